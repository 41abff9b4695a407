"""Keras MNIST classifier, trained on the `train` channel's mnist.npz.

SageMaker passes the hyperparameters as arguments; the model goes to SM_MODEL_DIR (uploaded as
model.tar.gz) and the training history to SM_OUTPUT_DATA_DIR (output.tar.gz).
"""

import argparse
import json
import os
from pathlib import Path

import numpy as np
import tensorflow as tf


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--hidden-units", type=json.loads, default=[128])
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "data/train"))
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "model"))
    parser.add_argument("--output-data-dir", default=os.environ.get("SM_OUTPUT_DATA_DIR", "output"))
    return parser.parse_args()


def load(directory):
    """Pixels scaled to [0, 1]; labels one-hot, so that mse and mae compare probabilities."""
    with np.load(Path(directory) / "mnist.npz") as data:
        one_hot = lambda labels: tf.keras.utils.to_categorical(labels, 10)  # noqa: E731
        return (data["x_train"] / 255.0, one_hot(data["y_train"])), (data["x_test"] / 255.0, one_hot(data["y_test"]))


def build(hidden_units, learning_rate):
    layers = [tf.keras.layers.Input(shape=(28, 28)), tf.keras.layers.Flatten()]
    layers += [tf.keras.layers.Dense(units, activation="relu") for units in hidden_units]
    layers.append(tf.keras.layers.Dense(10, activation="softmax"))
    model = tf.keras.Sequential(layers)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy", "mse", "mae"],
    )
    return model


def main():
    args = parse_args()
    (x_train, y_train), (x_test, y_test) = load(args.train)
    model = build(args.hidden_units, args.learning_rate)
    history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size, verbose=2)
    loss, accuracy, mse, mae = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss: {loss:.4f} - accuracy: {accuracy:.4f} - mse: {mse:.4f} - mae: {mae:.4f}")
    Path(args.model_dir).mkdir(parents=True, exist_ok=True)
    model.save(Path(args.model_dir) / "mnist.keras")
    Path(args.output_data_dir).mkdir(parents=True, exist_ok=True)
    (Path(args.output_data_dir) / "history.json").write_text(json.dumps(history.history) + "\n")


if __name__ == "__main__":
    main()
