#!/bin/sh
# A stand-in for `docker`, put first on PATH by tests/aws/test_build_and_push.py. It behaves like
# the few docker commands build_and_push.sh uses, records every call, and turns `docker push`
# into `aws ecr put-image` so the image really appears in the (moto) registry.
#
# State lives in $STANDIN_DIR:
#   calls/N.args    the arguments of call N, one per line
#   calls/N.stdin   what `docker login` read from standard input
#   logins          registries logged into, one per line
#   images          "REFERENCE BUILD-ID" for every tag of every build; each build is a new image,
#                   as docker builds with timestamps are, so re-pushing a tag really replaces it
# $STANDIN_FAIL names a subcommand (login, build, push) that fails, to test error handling.
# A build whose Dockerfile starts FROM a private ECR registry fails unless that registry was
# logged in to, as docker's pull would.
set -eu

say() {
	printf 'docker (stand-in): %s\n' "$*" >&2
}

err() {
	say "error: $*"
	exit 1
}

# Saves this call's arguments and returns its number.
record_call() {
	mkdir -p "$STANDIN_DIR/calls" || return
	count=$(find "$STANDIN_DIR/calls" -name '*.args' | wc -l) || return
	number=$((count + 1))
	printf '%s\n' "$@" >"$STANDIN_DIR/calls/$number.args" || return
	printf '%s\n' "$number"
}

maybe_fail() {
	if [ "${STANDIN_FAIL:-}" = "$1" ]; then
		err "$1 failed (as the test asked)"
	fi
}

login() {
	number=$1
	shift
	username="" registry="" from_stdin=false
	while [ $# -gt 0 ]; do
		case $1 in
		--username | -u)
			username=$2
			shift 2
			;;
		--password-stdin)
			from_stdin=true
			shift
			;;
		--password | -p | --password=* | -p*) err "login: a password on the command line is visible to every user" ;;
		-*) err "login: unknown option $1" ;;
		*)
			registry=$1
			shift
			;;
		esac
	done
	[ "$from_stdin" = true ] || err "login: --password-stdin missing"
	[ "$username" = AWS ] || err "login: expected --username AWS, got '$username'"
	[ -n "$registry" ] || err "login: no registry"
	cat >"$STANDIN_DIR/calls/$number.stdin" || return
	[ -s "$STANDIN_DIR/calls/$number.stdin" ] || err "login: empty password on stdin"
	maybe_fail login
	printf '%s\n' "$registry" >>"$STANDIN_DIR/logins" || return
	printf 'Login Succeeded\n'
}

build() {
	number=$1
	shift
	platform="" file="" tags="" context=""
	while [ $# -gt 0 ]; do
		case $1 in
		--platform)
			platform=$2
			shift 2
			;;
		--file | -f)
			file=$2
			shift 2
			;;
		--tag | -t)
			# Tags are [a-zA-Z0-9_.-] and references hold no spaces: a space-separated list.
			tags="$tags $2"
			shift 2
			;;
		-*) err "build: unknown option $1" ;;
		*)
			[ -z "$context" ] || err "build: two contexts: $context and $1"
			context=$1
			shift
			;;
		esac
	done
	[ "$platform" = linux/amd64 ] || err "build: expected --platform linux/amd64, got '$platform'"
	[ -d "$context" ] || err "build: context '$context' is not a directory"
	[ -n "$tags" ] || err "build: no --tag"
	dockerfile=${file:-$context/Dockerfile}
	[ -f "$dockerfile" ] || err "build: no Dockerfile at '$dockerfile'"
	# docker pulls each FROM image: from a private ECR registry only after a login to it, as the
	# real one does. References hold no spaces: the list splits safely.
	bases=$(awk 'toupper($1) == "FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; break } }' "$dockerfile") ||
		return
	for base in $bases; do
		case ${base%%/*} in
		*.dkr.ecr*.amazonaws.com*)
			grep -qxF "${base%%/*}" "$STANDIN_DIR/logins" 2>/dev/null ||
				err "build: pull access denied for $base: not logged in to ${base%%/*}"
			;;
		esac
	done
	maybe_fail build
	build_id=$(printf '%s %s\n' "$number" "$tags" | sha256sum) || return
	for tag in $tags; do
		printf '%s %s\n' "$tag" "${build_id%% *}" >>"$STANDIN_DIR/images" || return
	done
}

# 123456789012.dkr.ecr.us-east-1.amazonaws.com/some/repo:tag -> an ECR put-image of that tag.
push() {
	[ $# -eq 1 ] || err "push: expected one image reference, got $#"
	reference=$1
	build_id=$(awk -v reference="$reference" '$1 == reference { id = $2 } END { print id }' \
		"$STANDIN_DIR/images" 2>/dev/null) || build_id=""
	[ -n "$build_id" ] || err "push: An image does not exist locally with the tag: $reference"
	registry=${reference%%/*}
	grep -qxF "$registry" "$STANDIN_DIR/logins" 2>/dev/null || err "push: not logged in to $registry"
	path=${reference#*/}
	repository=${path%:*}
	tag=${path##*:}
	account=${registry%%.*}
	region=${registry#*.dkr.ecr.}
	region=${region%%.*}
	maybe_fail push
	manifest=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:%s"},"layers":[]}' "$build_id")
	aws ecr put-image --region "$region" --registry-id "$account" --repository-name "$repository" \
		--image-tag "$tag" --image-manifest "$manifest" >/dev/null ||
		err "push: aws ecr put-image failed for $reference"
	printf '%s: digest: sha256:%s\n' "$tag" "$build_id"
}

main() {
	[ -n "${STANDIN_DIR:-}" ] || err "STANDIN_DIR is not set"
	number=$(record_call "$@") || err "cannot record the call"
	[ $# -gt 0 ] || err "no subcommand"
	command=$1
	shift
	case $command in
	login) login "$number" "$@" ;;
	build) build "$number" "$@" ;;
	push) push "$@" ;;
	*) err "unexpected subcommand '$command'" ;;
	esac
}

main "$@"
