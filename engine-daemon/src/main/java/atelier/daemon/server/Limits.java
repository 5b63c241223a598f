package atelier.daemon.server;

/**
 * What one request and the daemon as a whole may ask for. A request over any of them gets
 * an InvalidRequest (or Busy) naming the field; nothing is allocated for it first.
 */
public record Limits(long maxPixels, int maxMessageBytes, int maxVariants, int maxSteps,
                     int maxPromptChars, int maxQueuedJobs, int maxQueuedPerClient, int maxExtension) {

    /**
     * 32 Mpx (8192 x 4096) and 256 MiB a message: a raw RGBA image at the limit plus its mask
     * fits. 16 jobs waiting in all, 8 from any one connection, so one runaway plugin cannot
     * starve the others.
     */
    public static final Limits DEFAULT = new Limits(32L * 1024 * 1024, 256 * 1024 * 1024, 8, 150, 2000, 16, 8, 4096);
}
