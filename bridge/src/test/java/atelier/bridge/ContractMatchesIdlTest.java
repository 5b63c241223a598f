package atelier.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed Java and Python code is exactly what Debian's thrift-compiler makes of
 * atelier.thrift, so the IDL stays the one source of truth.
 */
class ContractMatchesIdlTest {

    private static final Path IDL = Path.of("src/main/thrift/atelier.thrift");
    private static final Path GENERATED = Path.of("src/generated");

    @TempDir
    Path fresh;

    @Test
    void committedCodeIsWhatThriftGenerates() throws Exception {
        assertTrue(Files.exists(IDL), "run from the bridge module directory");
        generate("java:generated_annotations=suppress", fresh.resolve("java"));
        generate("py", fresh.resolve("py"));
        TreeMap<String, String> expected = tree(fresh);
        TreeMap<String, String> committed = tree(GENERATED);
        assertEquals(expected.keySet(), committed.keySet(),
                "generated files differ from the committed ones: run bridge/generate-contract.sh");
        for (String file : expected.keySet()) {
            assertEquals(expected.get(file), committed.get(file), file + " is stale: run bridge/generate-contract.sh");
        }
    }

    private static void generate(String generator, Path out) throws IOException, InterruptedException {
        Files.createDirectories(out);
        Process thrift;
        try {
            thrift = new ProcessBuilder(List.of("thrift", "--gen", generator, "-out", out.toString(), IDL.toString()))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("thrift is not installed: apt-get install thrift-compiler (0.17)", e);
        }
        String log = new String(thrift.getInputStream().readAllBytes());
        assertTrue(thrift.waitFor(60, TimeUnit.SECONDS), "thrift did not finish");
        assertEquals(0, thrift.exitValue(), log);
    }

    private static TreeMap<String, String> tree(Path root) throws IOException {
        TreeMap<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.filter(Files::isRegularFile).filter(f -> !f.toString().contains("__pycache__")).toList()) {
                files.put(root.relativize(file).toString(), Files.readString(file));
            }
        }
        return files;
    }
}
