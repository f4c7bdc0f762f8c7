/**
 * Small I/O helpers shared by the checkpoint store and the job files: writing a file's stream and
 * closing it so that the first failure is the one reported.
 */
package io.epochal.io;
