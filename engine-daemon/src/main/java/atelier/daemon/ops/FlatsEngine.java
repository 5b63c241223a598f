package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import java.util.List;
import java.util.Map;

/** Colours line art with flat colours, for colorize. */
public interface FlatsEngine {

    /**
     * Hint pixels at least this opaque count as strokes; softer ones are a brush's fringe. What
     * a stroke is belongs to the request's contract, so every flats engine reads hints this way.
     */
    int STROKE_ALPHA = 128;

    /**
     * Strokes in exactly this colour (#FF00FF, magenta) mean "leave empty", as Krita's
     * Colorize Mask's transparent key: the shape they are in stays transparent.
     */
    int EMPTY_HINT = 0xFF00FF;

    /** Whether the hint picture has any stroke at all. */
    static boolean hasStrokes(Raster hints) {
        byte[] rgba = hints.rgba();
        for (int i = 3; i < rgba.length; i += 4) {
            if ((rgba[i] & 0xFF) >= STROKE_ALPHA) {
                return true;
            }
        }
        return false;
    }

    EngineInfo info();

    /**
     * Reads the line art (and hints, which may be null) before the job is queued, refusing
     * pictures it cannot flat with an InvalidRequest naming the field.
     */
    Plan plan(Raster lineArt, Raster hints, int gapClosing) throws InvalidRequest;

    /** Line art that was read and can be flatted. */
    interface Plan {
        /**
         * One flat-colour picture per seed: every shape opaque in one colour, under the lines
         * too; the paper around the drawing, shapes hinted empty and shapes no scribble reaches
         * transparent. With hints the seeds do not matter; without, each seed picks its own palette.
         */
        Flats paint(List<Long> seeds, Progress progress) throws JobCancelledException;
    }

    /** @param details what the engine found (regions, gap closing), for the result's details */
    record Flats(List<Raster> variants, Map<String, String> details) {
    }
}
