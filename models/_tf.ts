// This module is browser compatible.
/**
 * The one place this project imports TensorFlow.js. Every other module
 * imports `tf` from here, so a single copy of tfjs-core (and its kernel and
 * gradient registries) is ever loaded.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";

export { tf, tfWasm };
