package atelier.daemon.neural.diffusion.checkpoint;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Headers of full-size files without their gigabytes of data: the header parser is given the
 * data size the offsets add up to, so a whole SD 1.5 layout can be checked in a unit test.
 */
final class CheckpointHeaders {

    private CheckpointHeaders() {
    }

    /** Key -> shape, in the layout's order, ready to edit. */
    static Map<String, List<Long>> shapes(Map<String, ExpectedShape> layout) {
        Map<String, List<Long>> shapes = new LinkedHashMap<>();
        layout.forEach((key, expected) -> shapes.put(key, expected.shape()));
        return shapes;
    }

    static Map<String, List<Long>> shapes(Map<String, ExpectedShape> layout, Consumer<Map<String, List<Long>>> edit) {
        Map<String, List<Long>> shapes = shapes(layout);
        edit.accept(shapes);
        return shapes;
    }

    /** The header of an F16 file holding these tensors, named as given. */
    static SafetensorsHeader header(String fileName, Map<String, List<Long>> shapes) throws SafetensorsException {
        StringBuilder json = new StringBuilder("{");
        long offset = 0;
        for (Map.Entry<String, List<Long>> entry : shapes.entrySet()) {
            long bytes = 2;
            for (long d : entry.getValue()) {
                bytes *= d;
            }
            json.append(json.length() > 1 ? "," : "").append('"').append(entry.getKey()).append("\":{\"dtype\":\"F16\",\"shape\":")
                    .append(entry.getValue()).append(",\"data_offsets\":[").append(offset).append(',').append(offset + bytes)
                    .append("]}");
            offset += bytes;
        }
        String text = json.append('}').toString();
        return SafetensorsHeader.parse(Path.of(fileName), text, text.length(), offset);
    }

    static Identification identify(Map<String, List<Long>> shapes) throws SafetensorsException {
        return CheckpointInspector.identify(header("model.safetensors", shapes));
    }
}
