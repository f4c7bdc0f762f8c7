/**
 * Typed hyperparameters: the immutable key/value sets a job spec resolves to, a manifest records
 * and a resume compares, with a key-by-key diff for the refusal message.
 */
package io.epochal.params;
