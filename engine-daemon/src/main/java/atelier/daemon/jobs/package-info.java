/**
 * The job queue: one worker, bounded waiting, progress and cancel, and the on-disk result spool
 * that outlives a client's connection. May use {@code image} only.
 */
package atelier.daemon.jobs;
