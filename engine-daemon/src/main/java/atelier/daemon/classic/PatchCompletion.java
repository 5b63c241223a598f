package atelier.daemon.classic;

import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * One completion of one hole: an image pyramid, and at each scale from coarse to fine a
 * few rounds of "find the best source patch for every patch touching the hole"
 * (PatchMatch) then "set each hole pixel to the weighted vote of the patches covering it".
 * Deterministic for a seed: the parallel search runs in alternating bands that never
 * read what another thread is writing.
 */
final class PatchCompletion {

    static final int RADIUS = 3;
    private static final int SIDE = 2 * RADIUS + 1;
    /**
     * The pyramid stops when the hole's larger side is this small: some ten patches across,
     * so that the onion peel that starts the coarsest scale still sees the structures that
     * cross the rim (at half this, thin ones had blurred away and its guesses were worse).
     */
    private static final int COARSEST_HOLE_SIDE = 80;
    /** A scale needs at least this many whole source patches to be worth searching. */
    private static final int MIN_SOURCES = 64;
    private static final int BANDS = 8;
    /** Random sources tried for each pixel of the onion peel, before refining around the best. */
    private static final int ONION_RANDOM_TRIES = 48;
    /** The onion peel also tries every source this close: a structure crossing the rim continues from just outside. */
    private static final int ONION_NEAR = 3 * RADIUS;
    /** Vote weights: exp(-distance / (2 * percentile)); a low percentile lets the best matches dominate. */
    private static final double VOTE_SHARPNESS = 0.75;
    /** 0: the last vote copies each pixel from the single best patch covering it, keeping texture crisp. */
    private static final double VOTE_FINAL = 0;

    /**
     * At the finest scales patches are compared on a smoothed copy of the picture: plain
     * squared differences favour flat sources (their own noise adds least to the distance),
     * which fills holes with blander texture than their surroundings.
     */
    private static final int SMOOTHED_LEVELS = 3;
    /**
     * Passes of the [1 2 1] filter for that copy (a binomial blur of sigma about 1.7 px):
     * patches are then matched on their shading and larger structure while the grain
     * inside them is left free, so grainy sources are chosen as readily as smooth ones.
     * With 2 passes the finest texture still weighed enough to favour the smoothest
     * sources (hole texture energy 0.56..0.72 of the truth's on coffee-saucer over seeds
     * 1-10, 0.75..0.90 on astronaut-suit); with 8 the fill's texture overshoots and hole
     * PSNR drops below SHIFTMAP's on more photos.
     */
    private static final int SMOOTHING_PASSES = 6;
    /**
     * At the finest scale a source costs this many median match distances extra for each
     * time over its pixels are already copied (an occurrence penalty in the manner of
     * Kaspar et al. 2015, a cheap stand-in for the completeness term of Simakov et al.
     * 2008): without it the search settles many targets on the same few flat, easy
     * sources, and the fill comes out blander than its surroundings.
     */
    private static final double REUSE_PENALTY = 3;

    private final Raster picture;
    private final Mask hole;
    private final Mask sampleFrom;
    private final long seed;

    PatchCompletion(Raster picture, Mask hole, Mask sampleFrom, long seed) {
        this.picture = picture;
        this.hole = hole;
        this.sampleFrom = sampleFrom;
        this.seed = seed;
    }

    /** Thrown when no whole patch outside the hole (and inside sample-from) is left to copy from. */
    static final class NothingToSampleException extends IllegalArgumentException {
        NothingToSampleException() {
            super("nothing to fill from: no " + SIDE + "x" + SIDE + " area outside the selection"
                    + " (and inside the sample-from region) is left");
        }
    }

    Raster run(Progress progress) throws JobCancelledException {
        List<Scale> pyramid = new ArrayList<>();
        pyramid.add(Scale.of(picture, hole, sampleFrom));
        while (true) {
            Scale finer = pyramid.get(pyramid.size() - 1);
            if (finer.holeSide <= COARSEST_HOLE_SIDE || finer.width / 2 < 3 * SIDE || finer.height / 2 < 3 * SIDE) {
                break;
            }
            Scale coarser = finer.half();
            if (coarser.sources.length < MIN_SOURCES) {
                break;
            }
            pyramid.add(coarser);
        }
        if (pyramid.get(0).sources.length == 0) {
            throw new NothingToSampleException();
        }
        double workTotal = 0;
        for (int i = 0; i < pyramid.size(); i++) {
            workTotal += iterations(i, pyramid.size()) * (double) pyramid.get(i).targets.length;
        }
        double workDone = 0;
        Scale coarser = null;
        for (int level = pyramid.size() - 1; level >= 0; level--) {
            Scale scale = pyramid.get(level);
            if (level < SMOOTHED_LEVELS) {
                scale.compareSmoothed();
            }
            if (coarser == null) {
                scale.fillHoleByOnionPeel(seed);
                scale.refreshGuide();
                scale.matchRandomly(new SplittableRandom(seed));
            } else {
                scale.takeFrom(coarser, new SplittableRandom(seed * 31 + level));
            }
            int rounds = iterations(level, pyramid.size());
            for (int round = 0; round < rounds; round++) {
                progress.step(workDone / workTotal, "filling (scale " + (pyramid.size() - level) + " of " + pyramid.size() + ")");
                if (level == 0) {
                    scale.penaliseReuse(REUSE_PENALTY);
                }
                scale.search(round, seed * 1_000_003L + level * 1009L + round);
                boolean finerThanCoarsest = level < pyramid.size() - 1;
                scale.vote(finerThanCoarsest ? VOTE_FINAL : VOTE_SHARPNESS);
                if (round < rounds - 1) {
                    // The next round searches on these pixels; the next scale makes its own guide.
                    scale.refreshGuide();
                } else if (level == 0) {
                    scale.copyOwnPatchCentres();
                }
                workDone += scale.targets.length;
            }
            coarser = scale;
        }
        return pyramid.get(0).toRaster(picture);
    }

    /** Many cheap rounds where the picture is small, few where it is large. */
    private static int iterations(int level, int levels) {
        if (level == levels - 1) {
            return 8;
        }
        return level == 0 ? 3 : 5;
    }

    /** The picture at one scale, with its hole, its patch matches and their distances. */
    static final class Scale {
        final int width;
        final int height;
        final int channels;
        final int[] pixels;
        /** What patches are compared on: the pixels, or a smoothed copy of them (see {@link #compareSmoothed}). */
        int[] guide;
        private boolean smoothGuide;
        final boolean[] inHole;
        final boolean[] maySample;
        /** Largest side of the hole's bounds. */
        final int holeSide;
        /** The hole's bounds (holeMaxX is -1 when there is no hole). */
        private final int holeMinX, holeMinY, holeMaxX, holeMaxY;
        /** Centres of patches that touch the hole, in scan order: what the search matches. */
        final int[] targets;
        /** Centres of whole patches outside the hole that may be copied. */
        final int[] sources;
        final boolean[] isSource;
        final boolean[] isTarget;
        final int[] match;
        final int[] distance;
        /** Extra cost of each source for the search, from {@link #penaliseReuse}; null: none. */
        private int[] reusePenalty;

        private Scale(int width, int height, int channels, int[] pixels, boolean[] inHole, boolean[] maySample) {
            this.width = width;
            this.height = height;
            this.channels = channels;
            this.pixels = pixels;
            this.guide = pixels;
            this.inHole = inHole;
            this.maySample = maySample;
            int n = width * height;
            int[] holeCount = windowCounts(inHole, width, height);
            isSource = new boolean[n];
            isTarget = new boolean[n];
            int sourceCount = 0, targetCount = 0;
            int minX = width, maxX = -1, minY = height, maxY = -1;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int i = y * width + x;
                    if (inHole[i]) {
                        minX = Math.min(minX, x);
                        maxX = Math.max(maxX, x);
                        minY = Math.min(minY, y);
                        maxY = Math.max(maxY, y);
                    }
                    if (x < RADIUS || y < RADIUS || x >= width - RADIUS || y >= height - RADIUS) {
                        continue;
                    }
                    if (holeCount[i] > 0) {
                        isTarget[i] = true;
                        targetCount++;
                    } else if (maySample == null || maySample[i]) {
                        isSource[i] = true;
                        sourceCount++;
                    }
                }
            }
            holeSide = maxX < 0 ? 0 : Math.max(maxX - minX + 1, maxY - minY + 1);
            holeMinX = minX;
            holeMinY = minY;
            holeMaxX = maxX;
            holeMaxY = maxY;
            targets = new int[targetCount];
            sources = new int[sourceCount];
            for (int i = 0, t = 0, s = 0; i < n; i++) {
                if (isTarget[i]) {
                    targets[t++] = i;
                } else if (isSource[i]) {
                    sources[s++] = i;
                }
            }
            match = new int[n];
            distance = new int[n];
            Arrays.fill(match, -1);
        }

        static Scale of(Raster raster, Mask hole, Mask sampleFrom) {
            int n = raster.width() * raster.height();
            byte[] rgba = raster.rgba();
            boolean opaque = true;
            for (int i = 0; i < n && opaque; i++) {
                opaque = hole.values()[i] != 0 || rgba[i * 4 + 3] == (byte) 255;
            }
            // Transparency is matched and filled only when the known picture has some.
            int channels = opaque ? 3 : 4;
            int[] pixels = new int[n * channels];
            boolean[] inHole = new boolean[n];
            boolean[] maySample = sampleFrom == null ? null : new boolean[n];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < channels; c++) {
                    pixels[i * channels + c] = rgba[i * 4 + c] & 0xFF;
                }
                inHole[i] = hole.values()[i] != 0;
                if (maySample != null) {
                    maySample[i] = sampleFrom.values()[i] != 0;
                }
            }
            return new Scale(raster.width(), raster.height(), channels, pixels, inHole, maySample);
        }

        /** Half the size: known pixels averaged, a pixel in the hole if any of its four is. */
        Scale half() {
            int w = width / 2, h = height / 2;
            int[] px = new int[w * h * channels];
            boolean[] hole = new boolean[w * h];
            boolean[] sample = maySample == null ? null : new boolean[w * h];
            int[] sum = new int[channels];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    Arrays.fill(sum, 0);
                    int known = 0;
                    boolean anyHole = false, anySample = false;
                    for (int dy = 0; dy < 2; dy++) {
                        for (int dx = 0; dx < 2; dx++) {
                            int i = (2 * y + dy) * width + 2 * x + dx;
                            anyHole |= inHole[i];
                            anySample |= sample != null && maySample[i];
                            if (!inHole[i]) {
                                known++;
                                for (int c = 0; c < channels; c++) {
                                    sum[c] += pixels[i * channels + c];
                                }
                            }
                        }
                    }
                    int o = (y * w + x) * channels;
                    for (int c = 0; c < channels; c++) {
                        px[o + c] = known == 0 ? 0 : (sum[c] + known / 2) / known;
                    }
                    hole[y * w + x] = anyHole;
                    if (sample != null) {
                        sample[y * w + x] = anySample;
                    }
                }
            }
            return new Scale(w, h, channels, px, hole, sample);
        }

        /**
         * A first guess for the coarsest hole by onion peel (Newson et al. 2014): layer by
         * layer from the rim inwards, each pixel copies the centre of the source patch that
         * best matches its already known neighbours, so structures crossing the rim carry on
         * into the hole instead of being smoothed away.
         */
        void fillHoleByOnionPeel(long seed) {
            int n = inHole.length;
            boolean[] known = new boolean[n];
            for (int i = 0; i < n; i++) {
                known[i] = !inHole[i];
            }
            int[] copiedFrom = new int[n];
            Arrays.fill(copiedFrom, -1);
            List<Integer> layer = new ArrayList<>();
            while (true) {
                layer.clear();
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int i = y * width + x;
                        if (known[i]) {
                            continue;
                        }
                        boolean rim = false;
                        for (int dy = -1; dy <= 1 && !rim; dy++) {
                            for (int dx = -1; dx <= 1 && !rim; dx++) {
                                int nx = x + dx, ny = y + dy;
                                rim = nx >= 0 && ny >= 0 && nx < width && ny < height && known[ny * width + nx];
                            }
                        }
                        if (rim) {
                            layer.add(i);
                        }
                    }
                }
                if (layer.isEmpty()) {
                    break;
                }
                int[] ring = layer.stream().mapToInt(Integer::intValue).toArray();
                int[] chosen = new int[ring.length];
                // Every pixel of a layer looks only at what earlier layers settled: parallel and still deterministic.
                IntStream.range(0, ring.length).parallel().forEach(k -> {
                    int p = ring[k];
                    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + p);
                    int x = p % width, y = p / width;
                    int best = -1;
                    long bestDistance = Long.MAX_VALUE;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int nx = x + dx, ny = y + dy;
                            if (nx < 0 || ny < 0 || nx >= width || ny >= height || copiedFrom[ny * width + nx] < 0) {
                                continue;
                            }
                            int from = copiedFrom[ny * width + nx];
                            int cx = from % width - dx, cy = from / width - dy;
                            if (cx >= 0 && cy >= 0 && cx < width && cy < height && isSource[cy * width + cx]) {
                                long d = maskedDistance(x, y, cx, cy, known, bestDistance);
                                if (d < bestDistance) {
                                    bestDistance = d;
                                    best = cy * width + cx;
                                }
                            }
                        }
                    }
                    for (int cy = Math.max(0, y - ONION_NEAR); cy <= Math.min(height - 1, y + ONION_NEAR); cy++) {
                        for (int cx = Math.max(0, x - ONION_NEAR); cx <= Math.min(width - 1, x + ONION_NEAR); cx++) {
                            if (isSource[cy * width + cx]) {
                                long d = maskedDistance(x, y, cx, cy, known, bestDistance);
                                if (d < bestDistance) {
                                    bestDistance = d;
                                    best = cy * width + cx;
                                }
                            }
                        }
                    }
                    for (int tries = 0; tries < ONION_RANDOM_TRIES; tries++) {
                        int candidate = sources[random.nextInt(sources.length)];
                        long d = maskedDistance(x, y, candidate % width, candidate / width, known, bestDistance);
                        if (d < bestDistance) {
                            bestDistance = d;
                            best = candidate;
                        }
                    }
                    int bx = best % width, by = best / width;
                    for (int r = Math.max(width, height) / 4; r >= 1; r /= 2) {
                        for (int tries = 0; tries < 2; tries++) {
                            int cx = Math.max(0, Math.min(width - 1, bx + random.nextInt(-r, r + 1)));
                            int cy = Math.max(0, Math.min(height - 1, by + random.nextInt(-r, r + 1)));
                            if (isSource[cy * width + cx]) {
                                long d = maskedDistance(x, y, cx, cy, known, bestDistance);
                                if (d < bestDistance) {
                                    bestDistance = d;
                                    best = cy * width + cx;
                                }
                            }
                        }
                        bx = best % width;
                        by = best / width;
                    }
                    chosen[k] = best;
                });
                for (int k = 0; k < ring.length; k++) {
                    int p = ring[k], from = chosen[k];
                    System.arraycopy(pixels, from * channels, pixels, p * channels, channels);
                    copiedFrom[p] = from;
                    known[p] = true;
                }
            }
        }

        /** Squared differences between the known pixels of the patch at (x, y) and the source patch at (sx, sy). */
        private long maskedDistance(int x, int y, int sx, int sy, boolean[] known, long limit) {
            long sum = 0;
            for (int oy = -RADIUS; oy <= RADIUS; oy++) {
                int ty = y + oy;
                if (ty < 0 || ty >= height) {
                    continue;
                }
                for (int ox = -RADIUS; ox <= RADIUS; ox++) {
                    int tx = x + ox;
                    if (tx < 0 || tx >= width || !known[ty * width + tx]) {
                        continue;
                    }
                    int t = (ty * width + tx) * channels, s = ((sy + oy) * width + sx + ox) * channels;
                    for (int c = 0; c < channels; c++) {
                        int d = pixels[t + c] - pixels[s + c];
                        sum += d * d;
                    }
                }
                if (sum >= limit) {
                    return sum;
                }
            }
            return sum;
        }

        void matchRandomly(SplittableRandom random) {
            for (int t : targets) {
                match[t] = sources[random.nextInt(sources.length)];
                distance[t] = patchDistance(t, match[t], Integer.MAX_VALUE);
            }
        }

        /**
         * Starts from the coarser scale: its matches doubled, and the hole rebuilt from them
         * with this scale's own source pixels, so fine texture is there from the start.
         */
        void takeFrom(Scale coarser, SplittableRandom random) {
            for (int t : targets) {
                int x = t % width, y = t / width;
                int cx = Math.min(x / 2, coarser.width - 1), cy = Math.min(y / 2, coarser.height - 1);
                int coarse = coarser.match[cy * coarser.width + cx];
                int candidate = -1;
                if (coarse >= 0) {
                    int sx = 2 * (coarse % coarser.width) + (x & 1), sy = 2 * (coarse / coarser.width) + (y & 1);
                    if (sx < width && sy < height && isSource[sy * width + sx]) {
                        candidate = sy * width + sx;
                    }
                }
                match[t] = candidate >= 0 ? candidate : sources[random.nextInt(sources.length)];
            }
            // Distances are unknown yet: every covering patch votes equally once, then each
            // pixel takes its own patch's centre so the estimate is real texture, not an average.
            vote(Double.POSITIVE_INFINITY);
            copyOwnPatchCentres();
            refreshGuide();
            for (int t : targets) {
                distance[t] = patchDistance(t, match[t], Integer.MAX_VALUE);
            }
        }

        /** One PatchMatch sweep: forwards on even rounds, backwards on odd ones. */
        void search(int round, long roundSeed) {
            int bands = Math.min(BANDS, Math.max(1, targets.length / 256));
            // Even bands in parallel, then odd ones: a band only reads its neighbours' settled matches.
            for (int parity = 0; parity < 2; parity++) {
                int first = parity;
                IntStream.range(0, (bands - first + 1) / 2).parallel().forEach(k -> {
                    int band = first + 2 * k;
                    int from = (int) ((long) targets.length * band / bands);
                    int to = (int) ((long) targets.length * (band + 1) / bands);
                    searchBand(from, to, round % 2 == 0, new SplittableRandom(roundSeed * 7919 + band));
                });
            }
        }

        private void searchBand(int from, int to, boolean forwards, SplittableRandom random) {
            int step = forwards ? 1 : -1;
            int maxRadius = Math.max(width, height);
            for (int k = forwards ? from : to - 1; forwards ? k < to : k >= from; k += step) {
                int t = targets[k];
                int best = match[t];
                int bestDistance = distance[t];
                // Propagation: the neighbour's match, shifted by one, is a good guess for coherent texture.
                int left = t - step;
                if (isTarget[left] && match[left] >= 0) {
                    int candidate = match[left] + step;
                    if (isSource[candidate] && candidate / width == match[left] / width) {
                        int d = patchDistance(t, candidate, bestDistance);
                        if (d < bestDistance) {
                            best = candidate;
                            bestDistance = d;
                        }
                    }
                }
                int up = t - step * width;
                if (isTarget[up] && match[up] >= 0) {
                    int candidate = match[up] + step * width;
                    if (candidate >= 0 && candidate < isSource.length && isSource[candidate]) {
                        int d = patchDistance(t, candidate, bestDistance);
                        if (d < bestDistance) {
                            best = candidate;
                            bestDistance = d;
                        }
                    }
                }
                // Random search in windows shrinking around the best so far.
                int bx = best % width, by = best / width;
                for (int r = maxRadius; r >= 1; r /= 2) {
                    int cx = Math.max(0, Math.min(width - 1, bx + random.nextInt(-r, r + 1)));
                    int cy = Math.max(0, Math.min(height - 1, by + random.nextInt(-r, r + 1)));
                    int candidate = cy * width + cx;
                    if (isSource[candidate]) {
                        int d = patchDistance(t, candidate, bestDistance);
                        if (d < bestDistance) {
                            best = candidate;
                            bestDistance = d;
                            bx = cx;
                            by = cy;
                        }
                    }
                }
                match[t] = best;
                distance[t] = bestDistance;
            }
        }

        /**
         * Makes sources dearer the more the current matches already copy their pixels: each
         * source pixel is counted once for every matched patch that covers it, and a source
         * patch whose pixels are covered more than once on average (a coherent copy covers
         * each once per patch overlapping it) costs {@code strength} median match distances
         * per extra use. The penalty is fixed for a round, so the parallel search stays
         * deterministic.
         */
        void penaliseReuse(double strength) {
            int n = width * height;
            int[] coverage = new int[n];
            for (int t : targets) {
                int sx = match[t] % width, sy = match[t] / width;
                for (int oy = -RADIUS; oy <= RADIUS; oy++) {
                    int row = (sy + oy) * width + sx;
                    for (int ox = -RADIUS; ox <= RADIUS; ox++) {
                        coverage[row + ox]++;
                    }
                }
            }
            long[] integral = new long[(width + 1) * (height + 1)];
            for (int y = 0; y < height; y++) {
                long row = 0;
                for (int x = 0; x < width; x++) {
                    row += coverage[y * width + x];
                    integral[(y + 1) * (width + 1) + x + 1] = integral[y * (width + 1) + x + 1] + row;
                }
            }
            int[] old = reusePenalty;
            // The median of the plain distances: the penalty scales with how well this picture matches at all.
            int[] plain = new int[targets.length];
            for (int k = 0; k < plain.length; k++) {
                int t = targets[k];
                plain[k] = distance[t] - (old == null ? 0 : old[match[t]]);
            }
            Arrays.sort(plain);
            double unit = strength * Math.max(1, plain.length == 0 ? 1 : plain[plain.length / 2]);
            double coherent = (double) SIDE * SIDE * SIDE * SIDE;
            int[] penalty = new int[n];
            for (int s : sources) {
                int x0 = s % width - RADIUS, y0 = s / width - RADIUS, x1 = x0 + SIDE, y1 = y0 + SIDE;
                long covered = integral[y1 * (width + 1) + x1] - integral[y0 * (width + 1) + x1]
                        - integral[y1 * (width + 1) + x0] + integral[y0 * (width + 1) + x0];
                penalty[s] = (int) Math.min(1 << 28, unit * Math.max(0, covered / coherent - 1));
            }
            for (int t : targets) {
                distance[t] += penalty[match[t]] - (old == null ? 0 : old[match[t]]);
            }
            reusePenalty = penalty;
        }

        /**
         * Sum of squared differences of two patches, plus the source's reuse penalty once
         * {@link #penaliseReuse} set one, giving up once it passes {@code limit}.
         */
        int patchDistance(int target, int source, int limit) {
            int rowLength = SIDE * channels;
            int sum = reusePenalty == null ? 0 : reusePenalty[source];
            int t = (target - RADIUS * width - RADIUS) * channels;
            int s = (source - RADIUS * width - RADIUS) * channels;
            int stride = width * channels;
            for (int row = 0; row < SIDE; row++, t += stride, s += stride) {
                for (int k = 0; k < rowLength; k++) {
                    int d = guide[t + k] - guide[s + k];
                    sum += d * d;
                }
                if (sum >= limit) {
                    return sum;
                }
            }
            return sum;
        }

        /** Each hole pixel takes the centre of its own patch's match: real texture, no average. */
        void copyOwnPatchCentres() {
            for (int t : targets) {
                if (inHole[t]) {
                    System.arraycopy(pixels, match[t] * channels, pixels, t * channels, channels);
                }
            }
        }

        /**
         * From now on patches are compared on a smoothed copy of the pixels, made by the next
         * {@link #refreshGuide} (every start of a scale calls it once its pixels are set).
         */
        void compareSmoothed() {
            smoothGuide = true;
        }

        /**
         * The pixels of the rectangle [x0, x1) x [y0, y1) after {@link #SMOOTHING_PASSES}
         * passes of a [1 2 1] x [1 2 1] filter that clamps at the rectangle's edges, as a
         * rectangle-sized array.
         */
        private int[] smoothed(int x0, int y0, int x1, int y1) {
            int w = x1 - x0, h = y1 - y0;
            int[] a = new int[w * h * channels];
            for (int y = 0; y < h; y++) {
                System.arraycopy(pixels, ((y0 + y) * width + x0) * channels, a, y * w * channels, w * channels);
            }
            int[] tmp = new int[a.length];
            for (int pass = 0; pass < SMOOTHING_PASSES; pass++) {
                int[] out = new int[a.length];
                final int[] src = a;
                IntStream.range(0, h).parallel().forEach(y -> {
                    for (int x = 0; x < w; x++) {
                        int l = Math.max(0, x - 1), r = Math.min(w - 1, x + 1);
                        for (int c = 0; c < channels; c++) {
                            tmp[(y * w + x) * channels + c] = src[(y * w + l) * channels + c]
                                    + 2 * src[(y * w + x) * channels + c] + src[(y * w + r) * channels + c];
                        }
                    }
                });
                IntStream.range(0, h).parallel().forEach(y -> {
                    int u = Math.max(0, y - 1), d = Math.min(h - 1, y + 1);
                    for (int x = 0; x < w; x++) {
                        for (int c = 0; c < channels; c++) {
                            out[(y * w + x) * channels + c] = (tmp[(u * w + x) * channels + c]
                                    + 2 * tmp[(y * w + x) * channels + c] + tmp[(d * w + x) * channels + c] + 8) / 16;
                        }
                    }
                });
                a = out;
            }
            return a;
        }

        /**
         * After the hole's pixels changed: the smoothed copy follows them. Only pixels within
         * {@link #SMOOTHING_PASSES} of the hole can change, so after the first time only that
         * band is smoothed again (from a margin twice as wide, so its own edge does not show).
         */
        void refreshGuide() {
            if (!smoothGuide) {
                guide = pixels;
            } else if (guide == pixels || holeMaxX < 0) {
                guide = smoothed(0, 0, width, height);
            } else {
                int p = SMOOTHING_PASSES;
                int x0 = Math.max(0, holeMinX - 2 * p), y0 = Math.max(0, holeMinY - 2 * p);
                int x1 = Math.min(width, holeMaxX + 1 + 2 * p), y1 = Math.min(height, holeMaxY + 1 + 2 * p);
                int[] band = smoothed(x0, y0, x1, y1);
                int ix0 = Math.max(0, holeMinX - p), iy0 = Math.max(0, holeMinY - p);
                int ix1 = Math.min(width, holeMaxX + 1 + p), iy1 = Math.min(height, holeMaxY + 1 + p);
                int w = x1 - x0;
                for (int y = iy0; y < iy1; y++) {
                    System.arraycopy(band, ((y - y0) * w + ix0 - x0) * channels, guide, (y * width + ix0) * channels, (ix1 - ix0) * channels);
                }
            }
        }

        /** Each hole pixel becomes the vote of every patch covering it, close matches weighing most. */
        void vote(double sharpness) {
            boolean bestOnly = sharpness == 0;
            double variance = Double.isInfinite(sharpness) || bestOnly ? Double.POSITIVE_INFINITY : Math.max(1, percentile(sharpness));
            int[] next = pixels.clone();
            IntStream.range(0, height).parallel().forEach(y -> {
                double[] sum = new double[channels];
                for (int x = 0; x < width; x++) {
                    int p = y * width + x;
                    if (!inHole[p]) {
                        continue;
                    }
                    Arrays.fill(sum, 0);
                    double weights = 0;
                    int bestSeen = Integer.MAX_VALUE;
                    for (int oy = -RADIUS; oy <= RADIUS; oy++) {
                        int ty = y + oy;
                        if (ty < RADIUS || ty >= height - RADIUS) {
                            continue;
                        }
                        for (int ox = -RADIUS; ox <= RADIUS; ox++) {
                            int tx = x + ox;
                            if (tx < RADIUS || tx >= width - RADIUS) {
                                continue;
                            }
                            int t = ty * width + tx;
                            int s = match[t];
                            if (s < 0) {
                                continue;
                            }
                            double weight = bestOnly ? (distance[t] < bestSeen ? 1 : 0) : Math.exp(-distance[t] / (2 * variance));
                            if (bestOnly && weight > 0) {
                                bestSeen = distance[t];
                                Arrays.fill(sum, 0);
                                weights = 0;
                            }
                            int q = (s - oy * width - ox) * channels;
                            for (int c = 0; c < channels; c++) {
                                sum[c] += weight * pixels[q + c];
                            }
                            weights += weight;
                        }
                    }
                    if (weights > 0) {
                        for (int c = 0; c < channels; c++) {
                            next[p * channels + c] = (int) Math.round(sum[c] / weights);
                        }
                    }
                }
            });
            System.arraycopy(next, 0, pixels, 0, pixels.length);
        }

        private double percentile(double q) {
            if (targets.length == 0) {
                return 1;
            }
            int[] d = new int[targets.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = distance[targets[i]];
            }
            Arrays.sort(d);
            return d[(int) Math.min(d.length - 1, Math.floor(q * d.length))];
        }

        /** The finished picture: hole pixels from this scale, everything else as it was. */
        Raster toRaster(Raster original) {
            Raster out = original.copy();
            byte[] rgba = out.rgba();
            for (int i = 0; i < inHole.length; i++) {
                if (inHole[i]) {
                    for (int c = 0; c < channels; c++) {
                        rgba[i * 4 + c] = (byte) Math.max(0, Math.min(255, pixels[i * channels + c]));
                    }
                    if (channels == 3) {
                        rgba[i * 4 + 3] = (byte) 255; // an opaque picture is filled opaque
                    }
                }
            }
            return out;
        }

        /** For every pixel, how many hole pixels lie in the patch centred on it (integral image). */
        private static int[] windowCounts(boolean[] set, int width, int height) {
            int[] integral = new int[(width + 1) * (height + 1)];
            for (int y = 0; y < height; y++) {
                int row = 0;
                for (int x = 0; x < width; x++) {
                    row += set[y * width + x] ? 1 : 0;
                    integral[(y + 1) * (width + 1) + x + 1] = integral[y * (width + 1) + x + 1] + row;
                }
            }
            int[] counts = new int[width * height];
            for (int y = 0; y < height; y++) {
                int y0 = Math.max(0, y - RADIUS), y1 = Math.min(height, y + RADIUS + 1);
                for (int x = 0; x < width; x++) {
                    int x0 = Math.max(0, x - RADIUS), x1 = Math.min(width, x + RADIUS + 1);
                    counts[y * width + x] = integral[y1 * (width + 1) + x1] - integral[y0 * (width + 1) + x1]
                            - integral[y1 * (width + 1) + x0] + integral[y0 * (width + 1) + x0];
                }
            }
            return counts;
        }
    }
}
