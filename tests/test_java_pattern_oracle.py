"""The Python translations of the service model's patterns against java.util.regex itself.

Every pattern in schemas/create_training_job.constraints.json is matched, in one JVM run, against
strings that match its translation and against strings full of the characters where Java and
Python disagree; Java's Matcher.matches() must give the same answer as re.fullmatch.

Java 17 ships Unicode 13 and Python 3.11 Unicode 14, so strings holding a character whose general
category differs between Unicode 3.2 and Python's version are left out: those are the only ones
whose \\p{…} class could differ between the two runtimes.
"""

import json
import random
import re
import shutil
import subprocess
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagemaker_byoc.aws import service_model
from tests.tools import require_tool

ORACLE_SOURCE = r"""
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.regex.Pattern;

public class PatternOracle {
    static String decode(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        int count = Integer.parseInt(in.readLine().trim());
        List<Pattern> patterns = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            patterns.add(Pattern.compile(decode(in.readLine().trim())));
        }
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split(" ", -1);
            boolean matches = patterns.get(Integer.parseInt(parts[0])).matcher(decode(parts[1])).matches();
            out.append(matches ? '1' : '0').append('\n');
        }
        System.out.print(out);
    }
}
"""

TRICKY = "\n\r\u0085\u2028\u2029\t\x0b\x0c \u00a0\u2003\u3000éßø名٣໑Ⅻ½²𝐀😀\u0301-_.:/=+@;,*()[]\\aAzZ09K"

PATTERNS = json.loads(service_model.CONSTRAINTS_PATH.read_text(encoding="utf-8"))["patterns"]
STRINGS_PER_PATTERN = 200


def stable_across_unicode_versions(value: str) -> bool:
    return all(unicodedata.ucd_3_2_0.category(c) == unicodedata.category(c) for c in value)


def hex_utf8(value: str) -> str:
    return value.encode("utf-8").hex()


def sample_strings(python_pattern: str) -> list[str]:
    """Strings that match the translation, then the same strings with a tricky character spliced in."""
    gathered: list[str] = []
    alphabet = st.sampled_from(TRICKY) | st.characters(codec="utf-8")

    @settings(
        max_examples=STRINGS_PER_PATTERN, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.from_regex(re.compile(python_pattern), fullmatch=True) | st.text(alphabet=alphabet, max_size=16))
    def gather(value):
        gathered.append(value)

    gather()
    rng = random.Random(python_pattern)
    mutated = []
    for value in gathered[: STRINGS_PER_PATTERN // 2]:
        position = rng.randint(0, len(value))
        mutated.append(value[:position] + rng.choice(TRICKY) + value[position:])
        if value:
            mutated.append(value[:position] + value[position + 1 :])
    return [v for v in dict.fromkeys(gathered + mutated) if stable_across_unicode_versions(v)]


@pytest.fixture(scope="module")
def java_oracle(tmp_path_factory):
    present = shutil.which("javac") is not None and shutil.which("java") is not None
    require_tool(present, "javac/java not installed (Debian package default-jdk-headless)")
    folder = tmp_path_factory.mktemp("oracle")
    (folder / "PatternOracle.java").write_text(ORACLE_SOURCE, encoding="utf-8")
    subprocess.run(["javac", "PatternOracle.java"], cwd=folder, check=True, capture_output=True, timeout=120)

    def run(java_patterns: list[str], cases: list[tuple[int, str]]) -> list[bool]:
        lines = [str(len(java_patterns))] + [hex_utf8(p) for p in java_patterns]
        lines += [f"{index} {hex_utf8(value)}" for index, value in cases]
        result = subprocess.run(
            ["java", "-cp", str(folder), "PatternOracle"],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return [line == "1" for line in result.stdout.splitlines()]

    return run


@pytest.mark.parametrize("java_pattern", sorted(PATTERNS))
def test_translation_agrees_with_java(java_oracle, java_pattern):
    python_pattern = PATTERNS[java_pattern]
    values = sample_strings(python_pattern)
    verdicts = java_oracle([java_pattern], [(0, value) for value in values])
    assert len(verdicts) == len(values)
    disagreements = [
        (value, java_matches)
        for value, java_matches in zip(values, verdicts)
        if (re.fullmatch(python_pattern, value) is not None) != java_matches
    ]
    assert disagreements == []
    assert any(verdicts)


def test_the_oracle_can_tell_a_naive_translation_apart(java_oracle):
    """Handing Java's pattern to re unchanged disagrees with Java: '.' and line terminators."""
    verdicts = java_oracle([".*", "[\\S\\s]*"], [(0, "a\rb"), (0, "a\u2028"), (1, "a\rb")])
    assert verdicts == [False, False, True]
    assert re.fullmatch(".*", "a\rb") is not None  # the naive translation would accept it
