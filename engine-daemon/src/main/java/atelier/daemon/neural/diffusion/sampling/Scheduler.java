package atelier.daemon.neural.diffusion.sampling;

import java.util.List;

/**
 * A way to walk from noise to a picture in a chosen number of network calls. A scheduler
 * is an immutable recipe; {@link #plan} makes the one-use {@link SchedulerRun} that holds
 * a run's steps and any history a multistep method keeps.
 *
 * <p>All of them here are for networks that predict the noise (epsilon), as SD 1.5 does.
 */
public interface Scheduler {

    /** The names {@link #named} knows, as the command line and the protocol spell them. */
    List<String> NAMES = List.of("euler", "euler-a", "dpmpp-2m-karras", "ddim", "lcm");

    /** The name of this scheduler, one of {@link #NAMES}. */
    String name();

    /**
     * The run for {@code steps} steps. {@code strength} is 1 for text-to-image; below 1
     * (image-to-image) the run starts part-way down the noise levels, from the picture
     * noised to that level, as diffusers' img2img pipelines do.
     *
     * @throws IllegalArgumentException when the steps or strength leave nothing to run or
     *     are more than this scheduler can take (the message says which)
     */
    SchedulerRun plan(int steps, double strength);

    /** The SD 1.5 scheduler of this name. */
    static Scheduler named(String name) {
        NoiseSchedule sd15 = NoiseSchedule.SD15;
        return switch (name) {
            case "euler" -> new EulerScheduler(sd15);
            case "euler-a" -> new EulerAncestralScheduler(sd15);
            case "dpmpp-2m-karras" -> new DpmPp2mKarrasScheduler(sd15);
            case "ddim" -> new DdimScheduler(sd15);
            case "lcm" -> new LcmScheduler(sd15);
            default -> throw new IllegalArgumentException("unknown scheduler '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }
}
