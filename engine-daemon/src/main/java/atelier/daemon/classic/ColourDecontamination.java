package atelier.daemon.classic;

import atelier.daemon.image.Raster;

/**
 * Takes the backdrop's colour out of half-covered edge pixels, so a cut-out moved onto
 * another background shows no fringe: solves I = aF + (1-a)B for F with B the local
 * background. Nearly transparent pixels would amplify noise, so there F leans on the
 * object colour seen nearby instead.
 */
final class ColourDecontamination {

    private ColourDecontamination() {
    }

    /** The picture with the matte's alpha (times the picture's own) and cleaned edge colours. */
    static Raster apply(Raster picture, EdgeMatting.Matte matte) {
        Raster out = picture.copy();
        byte[] p = out.rgba();
        float[] alpha = matte.alpha();
        float[] object = matte.objectColour();
        float[] background = matte.backgroundColour();
        for (int i = 0; i < alpha.length; i++) {
            float a = alpha[i];
            if (matte.band()[i] != 0 && a > 0 && a < 1) {
                double solvedShare = Math.max(0, Math.min(1, (a - 0.1) / 0.3));
                boolean seen = !Float.isNaN(object[i * 3]);
                for (int c = 0; c < 3; c++) {
                    double observed = p[i * 4 + c] & 0xFF;
                    double b = background[i * 3 + c];
                    double solved = b + (observed - b) / Math.max(a, 0.1);
                    double f = seen ? solvedShare * solved + (1 - solvedShare) * object[i * 3 + c] : solved;
                    p[i * 4 + c] = (byte) Math.round(Math.max(0, Math.min(255, f)));
                }
            }
            p[i * 4 + 3] = (byte) Math.round(a * (p[i * 4 + 3] & 0xFF));
        }
        return out;
    }
}
