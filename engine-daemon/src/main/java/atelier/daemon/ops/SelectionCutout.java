package atelier.daemon.ops;

import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;

/**
 * Cuts a subject out of a picture the artist selected round it, learning the background from
 * what lies outside the selection: for busy pictures a backdrop model refuses.
 */
public interface SelectionCutout {

    /** @param selection where the subject is (above one half), the same size as {@code picture} */
    Raster cutOut(Raster picture, Mask selection, Progress progress) throws JobCancelledException;
}
