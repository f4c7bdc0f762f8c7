/**
 * The weights a new job starts from instead of its model's seeded initialisation ({@code
 * init.weights}): read from a safetensors file, a sharded state or a checkpoint on any Hadoop
 * FileSystem, hashed as they are read, and put into the model's state as PyTorch's {@code
 * load_state_dict} would, strict or not. No Spark.
 */
package io.epochal.driver.init;
