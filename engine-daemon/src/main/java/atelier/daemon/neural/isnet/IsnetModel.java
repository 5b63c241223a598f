package atelier.daemon.neural.isnet;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * One ISNet ONNX file, run through DJL's OnnxRuntime engine: a 1x3x1024x1024 picture in
 * (RGB planes, (v - 128) / 256, as IMG.LY's package feeds it), a 1x1x1024x1024 object
 * probability out. Loaded once, on first use, and shared: each call takes its own
 * predictor, so concurrent jobs are safe (an OnnxRuntime session runs calls concurrently).
 */
public final class IsnetModel implements AutoCloseable {

    /** The side of the square the network sees. */
    public static final int SIDE = 1024;
    static final String INPUT = "input";

    static {
        // Natives come from the onnxruntime jar and weights from the model directory: never the network.
        System.setProperty("ai.djl.offline", "true");
    }

    private final String name;
    private final Path file;
    private ZooModel<float[], float[]> model;
    private volatile String loadFailure;

    public IsnetModel(String name, Path file) {
        this.name = name;
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /**
     * The object probability (0..1), {@link #SIDE} x {@link #SIDE} row by row, of a picture
     * already brought to that size and normalised, as three planes R, G, B.
     *
     * @throws IOException when the model cannot be loaded (the message says how to reinstall it)
     */
    public float[] predict(float[] planes) throws IOException {
        if (planes.length != 3 * SIDE * SIDE) {
            throw new IllegalArgumentException("ISNet takes 3 planes of " + SIDE + "x" + SIDE + ", got " + planes.length + " values");
        }
        try (Predictor<float[], float[]> predictor = loaded().newPredictor()) {
            return predictor.predict(planes);
        } catch (TranslateException e) {
            throw new IOException("ISNet (" + name + ") failed to run: " + e.getMessage(), e);
        }
    }

    /** The inputs the ONNX file declares: name and shape. */
    public List<String> describeInputs() throws IOException {
        List<String> inputs = new java.util.ArrayList<>();
        loaded().describeInput().forEach(pair -> inputs.add(pair.getKey() + " " + pair.getValue()));
        return inputs;
    }

    /** Loads the model the first time; later calls return the same one. */
    synchronized ZooModel<float[], float[]> loaded() throws IOException {
        if (model != null) {
            return model;
        }
        if (loadFailure != null) {
            throw new IOException(loadFailure);
        }
        Criteria<float[], float[]> criteria = Criteria.builder()
                .setTypes(float[].class, float[].class)
                .optEngine("OnnxRuntime")
                .optModelPath(file)
                .optModelName(name)
                .optTranslator(new Planes())
                .optOption("optLevel", "ALL_OPT")
                .build();
        try {
            model = criteria.loadModel();
            return model;
        } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
            loadFailure = "the ISNet model " + file + " cannot be loaded (" + e.getMessage()
                    + "): reinstall it with `atelier models install isnet`";
            throw new IOException(loadFailure, e);
        }
    }

    @Override
    public synchronized void close() {
        if (model != null) {
            model.close();
            model = null;
        }
    }

    /** float planes in, the first output's values out; the arrays live in the predictor's scope. */
    private static final class Planes implements Translator<float[], float[]> {
        @Override
        public NDList processInput(TranslatorContext ctx, float[] planes) {
            NDArray input = ctx.getNDManager().create(FloatBuffer.wrap(planes), new Shape(1, 3, SIDE, SIDE));
            input.setName(INPUT);
            return new NDList(input);
        }

        /** The planes already carry the batch dimension: no stacking (OnnxRuntime arrays have no stack operation). */
        @Override
        public ai.djl.translate.Batchifier getBatchifier() {
            return null;
        }

        @Override
        public float[] processOutput(TranslatorContext ctx, NDList list) {
            return list.get(0).toFloatArray();
        }
    }
}
