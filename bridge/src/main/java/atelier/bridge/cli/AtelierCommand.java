package atelier.bridge.cli;

import atelier.bridge.cli.CommandLine.UsageException;
import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.AtelierHome;
import atelier.bridge.client.CertificateFingerprint;
import atelier.bridge.client.ContextCrop;
import atelier.bridge.client.TrustedServers;
import atelier.bridge.client.PrivateFiles;
import atelier.bridge.client.DaemonLauncher;
import atelier.bridge.client.JobListener;
import atelier.bridge.models.ModelInstaller;
import atelier.bridge.models.ModelManifest;
import atelier.bridge.models.ModelState;
import atelier.bridge.models.ResumableDownload;
import atelier.bridge.thrift.Capabilities;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.Extension;
import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.JobStatus;
import atelier.bridge.thrift.Layer;
import atelier.bridge.thrift.LoraChoice;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.OperationSupport;
import atelier.bridge.thrift.Picture;
import atelier.bridge.thrift.PixelFormat;
import atelier.bridge.thrift.Unsupported;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.thrift.TException;
import org.apache.thrift.transport.TTransportException;

/**
 * The `atelier` command: the same words as the design card. It talks to a running
 * daemon, or starts one inside this process when none answers.
 */
public final class AtelierCommand {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_REQUEST = 2;

    private static final Map<String, Operation> EDIT_VERBS = Map.of(
            "fill", Operation.CONTENT_FILL,
            "inpaint", Operation.INPAINT,
            "outpaint", Operation.OUTPAINT,
            "remove-bg", Operation.REMOVE_BACKGROUND,
            "colorize", Operation.COLORIZE);

    private static final Set<String> CONNECTION_OPTIONS = Set.of("host", "port");
    private static final Set<String> EDIT_OPTIONS = Set.of("host", "port", "image", "mask", "hints", "out",
            "prompt", "negative", "seed", "steps", "strength", "variants", "engine",
            "left", "right", "top", "bottom", "aspect", "sample-from", "keep", "alpha-only", "flats", "gap",
            "scheduler", "guidance", "lora", "grow", "feather", "clip-skip", "vae", "style");

    private static final String USAGE = """
            usage:
              atelier serve [--port N] [--listen ADDRESS (default 127.0.0.1)] [--tls (needed beyond 127.0.0.1)]
              atelier connect HOST[:PORT] [--token-file FILE] [--fingerprint SHA256:...] [--replace] | --forget
                                 (trust a daemon serving --tls on another machine; later commands and the
                                 plug-ins reach it with --host HOST or ATELIER_HOST)
              atelier fill       --image IN.png --mask MASK.png --out OUT.png [--sample-from MASK.png]
                                 [--seed N] [--variants N] [--engine auto|embedded|NAME]
              atelier inpaint    --image IN.png --mask MASK.png --prompt TEXT [--negative TEXT] [--seed N]
                                 [--steps N] [--strength F] [--variants N] --out OUT.png [--engine ...]
              atelier outpaint   --image IN.png [--left N] [--right N] [--top N] [--bottom N] [--aspect W:H]
                                 --out OUT.png [--seed N] [--variants N] [--engine ...]
              atelier remove-bg  --image IN.png [--mask WHERE.png] [--keep KEEP.png] [--alpha-only] --out OUT.png [--engine ...]
              atelier batch OP   --images DIR|GLOB --out DIR [--masks DIR | --mask ONE.png] [--resume] [--jobs N]
                                 [the operation's options]: OP is fill, remove-bg, outpaint or colorize
              atelier colorize   --image LINES.png [--hints HINTS.png] [--flats underlay|merged|per-color]
                                 [--gap N] --out FLATS.png [--seed N] [--engine ...]
              model engines also take --scheduler euler|euler-a|dpmpp-2m-karras|ddim|lcm --guidance F
                                 --lora NAME[:WEIGHT][,NAME[:WEIGHT]...] --grow PX --feather PX --clip-skip 1|2 --vae NAME --style NAME (and --prompt)
              atelier status
              atelier styles list|show NAME   (the Styles a request may name with --style)
              atelier models list|install NAME [--trust-unverified]|remove NAME   (works with no daemon;
                                 `atelier models list` names the models)
            options for every command that talks to the daemon: --host H (default $ATELIER_HOST or 127.0.0.1)
            --port N (default $ATELIER_PORT or %d). Exit status: 0 done, 2 bad request, 1 any other failure.
            """.formatted(AtelierHome.DEFAULT_PORT);

    private final PrintStream out;
    private final PrintStream err;
    private final AtelierHome home;
    private final boolean console;

    public AtelierCommand(PrintStream out, PrintStream err, AtelierHome home, boolean console) {
        this.out = out;
        this.err = err;
        this.home = home;
        this.console = console;
    }

    public static void main(String[] args) {
        AtelierCommand command = new AtelierCommand(System.out, System.err, AtelierHome.forCurrentUser(),
                System.console() != null);
        System.exit(command.run(args));
    }

    public int run(String[] args) {
        try {
            CommandLine line = CommandLine.parse(args, Set.of("alpha-only", "trust-unverified", "resume", "tls", "replace", "forget"));
            String verb = line.verb();
            if (verb.equals("help") || verb.equals("--help") || verb.equals("-h")) {
                out.print(USAGE);
                return OK;
            }
            if (verb.equals("serve")) {
                return serve(line);
            }
            if (verb.equals("status")) {
                return status(line);
            }
            if (verb.equals("connect")) {
                return connectTo(line);
            }
            if (verb.equals("styles")) {
                return styles(line);
            }
            if (verb.equals("models")) {
                return models(line);
            }
            if (verb.equals("batch")) {
                return batch(line);
            }
            Operation operation = EDIT_VERBS.get(verb);
            if (operation == null) {
                throw new UsageException("unknown command '" + verb + "'");
            }
            return edit(operation, line);
        } catch (UsageException e) {
            err.println("atelier: " + e.getMessage());
            err.print(USAGE);
            return BAD_REQUEST;
        } catch (InvalidRequest e) {
            err.println("atelier: " + AtelierClient.describe(e));
            return BAD_REQUEST;
        } catch (Unsupported e) {
            // A named engine that is not there is a mistake in the request (--engine); an
            // operation with no engine at all needs something installed.
            boolean named = e.getEngine() != null && !e.getEngine().equals("auto") && !e.getEngine().equals("embedded");
            err.println("atelier: " + (named ? "--engine: " : "") + AtelierClient.describe(e));
            return named ? BAD_REQUEST : FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("atelier: interrupted");
            return FAILED;
        } catch (TException | IOException | RuntimeException e) {
            err.println("atelier: " + AtelierClient.describe(e));
            return FAILED;
        }
    }

    private int serve(CommandLine line) throws UsageException, IOException, InterruptedException {
        line.allowOnly(Set.of("port", "listen", "tls"));
        String address = line.options().getOrDefault("listen", DaemonLauncher.LOOPBACK);
        boolean tls = line.text("tls") != null;
        DaemonLauncher.RunningDaemon daemon;
        try {
            daemon = launcher().start(address, port(line), home, tls);
        } catch (IOException refused) {
            if (refused.getMessage() != null && refused.getMessage().contains("add --tls")) {
                throw new UsageException(refused.getMessage());
            }
            throw refused;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "atelier-serve-stop"));
        out.println("Atelier daemon listening on " + address + ":" + daemon.port() + (tls ? " (TLS 1.3)" : "")
                + "; token in " + home.tokenFile());
        if (daemon.fingerprint() != null) {
            out.println("certificate fingerprint " + daemon.fingerprint());
            out.println("on the other computer: atelier connect THIS-HOST:" + daemon.port() + " --fingerprint "
                    + daemon.fingerprint() + " (and paste the token)");
        }
        daemon.awaitStop();
        return OK;
    }

    /**
     * `connect HOST[:PORT]`: trust on first use. Shows the certificate the daemon presents, takes
     * it only when the person confirms it (or it equals --fingerprint), checks the token against
     * the daemon, then keeps both in TrustedServers. A changed certificate is refused unless
     * --replace says the owner made a new one.
     */
    private int connectTo(CommandLine line) throws UsageException, IOException, TException {
        line.allowOnly(Set.of("token-file", "fingerprint", "replace", "forget", "port"));
        if (line.arguments().size() != 1) {
            throw new UsageException("connect takes one HOST[:PORT]");
        }
        HostPort target = HostPort.parse(line.arguments().get(0), line.integer("port") != null ? port(line) : defaultPort());
        TrustedServers trusted = TrustedServers.of(home);
        if (line.text("forget") != null) {
            out.println(trusted.forget(target.host(), target.port())
                    ? "forgot " + target + ": its certificate and token are no longer kept"
                    : target + " was not trusted");
            return OK;
        }
        java.util.Optional<TrustedServers.Server> known = trusted.find(target.host(), target.port());
        String seen;
        try (AtelierClient probe = AtelierClient.connectTls(target.host(), target.port(), "", 10_000, null)) {
            seen = probe.serverFingerprint();
        }
        out.println(target + " presents certificate " + seen);
        if (known.isPresent() && !known.get().fingerprint().equals(seen) && line.text("replace") == null) {
            err.println("atelier: this is not the certificate trusted for " + target + " (" + known.get().fingerprint()
                    + "): refused. If its owner made a new one, compare the fingerprint with them and add --replace");
            return FAILED;
        }
        String expected = line.text("fingerprint");
        if (expected != null) {
            String wanted;
            try {
                wanted = CertificateFingerprint.normalise(expected);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--fingerprint: " + e.getMessage());
            }
            if (!wanted.equals(seen)) {
                err.println("atelier: --fingerprint does not match what " + target + " presents: refused (someone may be in between)");
                return FAILED;
            }
        } else if (known.isEmpty() || !known.get().fingerprint().equals(seen)) {
            if (System.console() == null) {
                throw new UsageException("connect: pass --fingerprint (printed by `atelier serve --tls` on that machine)"
                        + " to trust " + target + " without a prompt");
            }
            String answer = System.console().readLine("Is this the fingerprint `atelier serve --tls` printed there? [y/N] ");
            if (answer == null || !answer.trim().toLowerCase(java.util.Locale.ROOT).startsWith("y")) {
                err.println("atelier: not trusted");
                return FAILED;
            }
        }
        String token = tokenFor(line, target);
        try (AtelierClient client = AtelierClient.connectTls(target.host(), target.port(), token, 10_000, seen)) {
            Capabilities caps = client.capabilities();
            trusted.remember(target.host(), target.port(), new TrustedServers.Server(seen, token));
            out.println("trusted " + target + ": Atelier " + caps.getVersion() + " on " + caps.getComputeDevice()
                    + "; kept in " + trusted.file());
            return OK;
        }
    }

    /** The token: from --token-file, or typed (hidden) at the console; never an argument, which `ps` would show. */
    private String tokenFor(CommandLine line, HostPort target) throws UsageException, IOException {
        String file = line.text("token-file");
        String token;
        if (file != null) {
            try {
                token = Files.readString(Path.of(file)).trim();
            } catch (NoSuchFileException e) {
                throw new UsageException("--token-file: no such file " + file);
            }
        } else if (System.console() != null) {
            char[] typed = System.console().readPassword("Token of %s (the file %s there): ", target, "~/.config/atelier/token");
            token = typed == null ? "" : new String(typed).trim();
        } else {
            throw new UsageException("connect: pass --token-file FILE holding the token of " + target);
        }
        if (token.isEmpty()) {
            throw new UsageException("connect: the token is empty");
        }
        return token;
    }

    /** HOST, HOST:PORT or [IPv6]:PORT. */
    record HostPort(String host, int port) {
        static HostPort parse(String text, int defaultPort) throws UsageException {
            String host = text.trim();
            int port = defaultPort;
            int colon = host.lastIndexOf(':');
            boolean bracketed = host.startsWith("[");
            if (colon > 0 && (bracketed ? host.lastIndexOf(']') < colon : host.indexOf(':') == colon)) {
                try {
                    port = Integer.parseInt(host.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new UsageException("connect: '" + text + "' has no port number after ':'");
                }
                host = host.substring(0, colon);
            }
            if (bracketed) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw new UsageException("connect takes HOST[:PORT] with a port from 1 to 65535, not '" + text + "'");
            }
            return new HostPort(host, port);
        }

        @Override
        public String toString() {
            return TrustedServers.key(host, port);
        }
    }

    /** atelier styles list | show NAME: the Styles the daemon offers, whether each is usable, and one recipe. */
    private int styles(CommandLine line) throws UsageException, TException, IOException {
        line.allowOnly(CONNECTION_OPTIONS);
        List<String> words = line.arguments();
        if (words.isEmpty() || !(words.get(0).equals("list") || words.get(0).equals("show") && words.size() == 2)) {
            throw new UsageException("styles takes 'list' or 'show NAME'");
        }
        try (Session session = connect(line)) {
            List<atelier.bridge.thrift.StyleInfo> styles = session.client().capabilities().isSetStyles()
                    ? session.client().capabilities().getStyles() : List.of();
            if (words.get(0).equals("list")) {
                for (atelier.bridge.thrift.StyleInfo style : styles) {
                    out.printf("  %-22s %s  (%s)%n", style.getName(), style.isUsable() ? "usable" : "not usable: " + style.getMissing(),
                            style.getSource());
                }
                return OK;
            }
            for (atelier.bridge.thrift.StyleInfo style : styles) {
                if (style.getName().equals(words.get(1))) {
                    out.println(style.getRecipe().isEmpty() ? style.getMissing() : style.getRecipe());
                    return OK;
                }
            }
            throw new UsageException("no Style named '" + words.get(1) + "'; `atelier styles list` shows them");
        }
    }

    private int status(CommandLine line) throws UsageException, TException, IOException {
        line.allowOnly(CONNECTION_OPTIONS);
        try (Session session = connect(line)) {
            Capabilities caps = session.client().capabilities();
            out.println("Atelier " + caps.getVersion() + " on " + caps.getComputeDevice()
                    + (session.inProcess() ? " (in-process: no daemon was running)" : " at " + session.where()));
            out.printf("limits: %d pixels, %d bytes a request%n", caps.getMaxPixels(), caps.getMaxMessageBytes());
            if (caps.isSetWorkers()) {
                out.printf("runs %d jobs at once%n", caps.getWorkers());
            }
            for (OperationSupport support : caps.getOperations()) {
                if (support.getEngines().isEmpty()) {
                    out.printf("  %-18s unavailable: %s%n", support.getOperation(), support.getHowToEnable());
                } else {
                    List<String> names = support.getEngines().stream().map(EngineInfo::getName).toList();
                    out.printf("  %-18s %s%n", support.getOperation(), String.join(", ", names));
                }
            }
            caps.getModels().forEach(m -> out.printf("  model %s (%s, %d bytes)%n", m.getName(), m.getKind(), m.getSizeBytes()));
            return OK;
        }
    }

    /** `models list|install NAME|remove NAME`: the model directory, with no daemon. */
    private int models(CommandLine line) throws UsageException, IOException {
        line.allowOnly(Set.of("trust-unverified"));
        List<String> words = line.arguments();
        String action = words.isEmpty() ? "list" : words.get(0);
        ProgressBar bar = new ProgressBar(err, console);
        ModelInstaller installer = new ModelInstaller(ModelManifest.bundled(), home.modelDir(), null, out,
                ResumableDownload.overHttp(), (file, bytes, total) -> bar.show(total > 0 ? (double) bytes / total : 0, file,
                ModelState.bytes(bytes) + (total > 0 ? " of " + ModelState.bytes(total) : "")),
                line.text("trust-unverified") != null);
        try {
            switch (action) {
                case "list" -> {
                    if (words.size() > 1) {
                        throw new UsageException("models list takes no name");
                    }
                    out.println("model directory: " + home.modelDir());
                    for (ModelState state : installer.list()) {
                        out.println("  " + state.summary());
                    }
                    return OK;
                }
                case "install", "remove" -> {
                    if (words.size() != 2) {
                        throw new UsageException("models " + action + " takes one model name");
                    }
                    if (action.equals("install")) {
                        install(installer, words.get(1), bar);
                    } else {
                        out.println(installer.remove(words.get(1)) ? "removed " + words.get(1) + " from " + home.modelDir()
                                : words.get(1) + " was not installed");
                    }
                    return OK;
                }
                default -> throw new UsageException("models takes list, install NAME or remove NAME, not '" + action + "'");
            }
        } catch (IllegalArgumentException unknownModel) {
            throw new UsageException(unknownModel.getMessage());
        }
    }

    /** Installs with a progress bar; a Ctrl-C leaves the partial download, and says how to resume it. */
    private void install(ModelInstaller installer, String name, ProgressBar bar) throws IOException {
        Path staging = installer.stagingDir(name);
        Thread stopped = new Thread(() -> {
            bar.finish();
            err.println("stopped: what was downloaded stays in " + staging + "; run `atelier models install " + name
                    + "` again to continue, or `atelier models remove " + name + "` to delete it");
        });
        Runtime.getRuntime().addShutdownHook(stopped);
        try {
            installer.install(name);
        } finally {
            bar.finish();
            try {
                Runtime.getRuntime().removeShutdownHook(stopped);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already stopping: the hook runs and says how to resume.
            }
        }
    }

    private int edit(Operation operation, CommandLine line) throws UsageException, TException, IOException, InterruptedException {
        line.allowOnly(EDIT_OPTIONS);
        EditRequest request = options(operation, line);
        request.setImage(png(line, "image", true));
        Picture mask = png(line, "mask", false);
        if (mask != null) {
            request.setMask(mask);
        }
        Path outFile = outputFile(line);
        int variants = line.integer("variants") != null ? Math.max(1, line.integer("variants")) : 1;
        for (int v = 1; v <= variants; v++) {
            // Variants are numbered; a single result may still come back as one layer named OUT.
            checkOutput(variants == 1 ? outFile : numbered(outFile, v), line);
        }
        try (Session session = connect(line)) {
            // To a daemon on another machine a fill or inpaint sends only the region it reads; the
            // whole-canvas result of that crop goes back into the original here.
            ContextCrop.Plan plan = session.remote() && (operation == Operation.CONTENT_FILL || operation == Operation.INPAINT)
                    ? ContextCrop.plan(session.client(), request.deepCopy().setWholeCanvas(false)) : null;
            if (plan != null && plan.cropped()) {
                plan.request().setWholeCanvas(true);
                err.println("atelier: sending the " + plan.region().getWidth() + "x" + plan.region().getHeight()
                        + " region the operation reads, of " + plan.canvasWidth() + "x" + plan.canvasHeight());
            }
            boolean cropped = plan != null && plan.cropped();
            EditResult result = runWithCancelOnInterrupt(session.client(), cropped ? plan.request() : request);
            List<Layer> layers = result.getLayers();
            for (int i = 0; i < layers.size(); i++) {
                Path target = layers.size() == 1 ? outFile : numbered(outFile, i + 1);
                byte[] png = cropped ? ContextCrop.pasteIntoOriginal(request.getImage().getData(),
                        layers.get(i).getPixels().getData(), plan.region()) : layers.get(i).getPixels().getData();
                // Never a half-written file where the artist expects a picture, never through a planted link.
                PrivateFiles.writeAtomically(target, png);
                Layer layer = layers.get(i);
                out.println("wrote " + target + " (" + result.getEngine() + ", seed " + layer.getSeed()
                        + (layer.isSetName() ? ", " + layer.getName() : "") + ")");
            }
            return OK;
        }
    }

    /**
     * `batch OP --images DIR|GLOB --out DIR [--masks DIR | --mask ONE.png] [--resume] [--jobs N]`:
     * one connection, several jobs in flight, a picture that fails is reported and skipped.
     */
    private int batch(CommandLine line) throws UsageException, TException, IOException, InterruptedException {
        Set<String> allowed = new java.util.HashSet<>(EDIT_OPTIONS);
        allowed.removeAll(Set.of("image", "mask", "out", "variants"));
        allowed.addAll(Set.of("images", "masks", "mask", "out", "resume", "jobs"));
        line.allowOnly(allowed);
        List<String> words = line.arguments();
        Operation operation = words.size() == 1 ? EDIT_VERBS.get(words.get(0)) : null;
        if (operation == null) {
            throw new UsageException("batch takes one operation: fill, remove-bg, outpaint or colorize");
        }
        if (line.text("masks") != null && line.text("mask") != null) {
            throw new UsageException("--masks (one per picture) and --mask (one for all): give one of them");
        }
        Path outDir = Path.of(line.required("out"));
        if (!Files.isDirectory(outDir) || !Files.isWritable(outDir)) {
            throw new UsageException("--out: " + outDir + " is not a directory Atelier can write in");
        }
        List<Path> images = BatchRun.pictures(line.required("images"));
        if (images.isEmpty()) {
            throw new UsageException("--images: no .png pictures in " + line.required("images"));
        }
        Integer jobs = line.integer("jobs");
        if (jobs != null && (jobs < 1 || jobs > 16)) {
            throw new UsageException("--jobs must be between 1 and 16");
        }
        EditRequest options = options(operation, line);
        Picture oneMask = png(line, "mask", false);
        Path masks = line.text("masks") == null ? null : Path.of(line.text("masks"));
        try (Session session = connect(line)) {
            Capabilities caps = session.client().capabilities();
            int inFlight = jobs != null ? jobs : caps.isSetWorkers() ? caps.getWorkers() + 1 : BatchRun.DEFAULT_IN_FLIGHT;
            BatchRun run = new BatchRun(session.client(), options, oneMask, masks, outDir, line.text("resume") != null,
                    inFlight, err, console);
            return run.run(images) ? OK : FAILED;
        }
    }

    /** Everything a request says but the picture and the selection: what `edit` and `batch` share. */
    EditRequest options(Operation operation, CommandLine line) throws UsageException, IOException {
        EditRequest request = new EditRequest();
        request.setOperation(operation);
        Picture hints = png(line, "hints", false);
        if (hints != null) {
            request.setHints(hints);
        }
        if (line.text("prompt") != null) {
            request.setPrompt(line.text("prompt"));
        }
        if (line.text("negative") != null) {
            request.setNegativePrompt(line.text("negative"));
        }
        if (line.wholeLong("seed") != null) {
            request.setSeed(line.wholeLong("seed"));
        }
        if (line.integer("steps") != null) {
            request.setSteps(line.integer("steps"));
        }
        if (line.decimal("strength") != null) {
            request.setStrength(line.decimal("strength"));
        }
        if (line.integer("variants") != null) {
            request.setVariants(line.integer("variants"));
        }
        if (line.text("engine") != null) {
            request.setEngine(line.text("engine"));
        }
        if (line.text("scheduler") != null) {
            request.setScheduler(line.text("scheduler"));
        }
        if (line.decimal("guidance") != null) {
            request.setGuidance(line.decimal("guidance"));
        }
        if (line.text("lora") != null) {
            request.setLoras(loras(line.text("lora")));
        }
        if (line.integer("grow") != null) {
            request.setMaskGrow(line.integer("grow"));
        }
        if (line.text("style") != null) {
            request.setStyle(line.text("style"));
        }
        if (line.text("vae") != null) {
            request.setVae(line.text("vae"));
        }
        if (line.integer("clip-skip") != null) {
            request.setClipSkip(line.integer("clip-skip"));
        }
        if (line.integer("feather") != null) {
            request.setMaskFeather(line.integer("feather"));
        }
        if (operation == Operation.OUTPAINT) {
            if (line.text("aspect") != null) {
                request.setAspectRatio(aspectRatio(line.text("aspect")));
            } else {
                request.setExtend(new Extension(orZero(line.integer("left")), orZero(line.integer("right")),
                        orZero(line.integer("top")), orZero(line.integer("bottom"))));
            }
        }
        Picture keep = png(line, "keep", false);
        if (keep != null) {
            request.setKeep(keep);
        }
        Picture sampleFrom = png(line, "sample-from", false);
        if (sampleFrom != null) {
            request.setSampleFrom(sampleFrom);
        }
        if (line.text("alpha-only") != null) {
            request.setAlphaOnly(true);
        }
        if (line.text("flats") != null) {
            request.setFlats(flatsOutput(line.text("flats")));
        }
        if (line.integer("gap") != null) {
            request.setGapClosing(line.integer("gap"));
        }
        request.setResultFormat(PixelFormat.PNG);
        request.setWholeCanvas(true);
        return request;
    }

    /** Runs the job with a progress bar; Ctrl-C (a JVM shutdown) cancels the job in the daemon. */
    private EditResult runWithCancelOnInterrupt(AtelierClient client, EditRequest request) throws TException, InterruptedException {
        AtomicReference<String> jobId = new AtomicReference<>();
        AtomicBoolean finished = new AtomicBoolean();
        ProgressBar bar = new ProgressBar(err, console);
        Thread cancelOnExit = new Thread(() -> {
            String id = jobId.get();
            if (id != null && !finished.get()) {
                try {
                    client.cancel(id);
                    bar.finish();
                    err.println("atelier: cancelled job " + id);
                } catch (TException e) {
                    err.println("atelier: could not cancel job " + id + ": " + AtelierClient.describe(e));
                }
            }
        }, "atelier-cancel-on-exit");
        Runtime.getRuntime().addShutdownHook(cancelOnExit);
        try {
            return client.edit(request, new JobListener() {
                @Override
                public void submitted(String id) {
                    jobId.set(id);
                    err.println("atelier: job " + id + " submitted (Ctrl-C cancels it)");
                }

                @Override
                public void progress(JobStatus status) {
                    bar.progress(status);
                }
            });
        } finally {
            finished.set(true);
            bar.finish();
            try {
                Runtime.getRuntime().removeShutdownHook(cancelOnExit);
            } catch (IllegalStateException shuttingDown) {
                // Already exiting: the hook is running and cancels the job.
            }
        }
    }

    /** A connection to a daemon, and the in-process daemon started for it when none was running. */
    private record Session(AtelierClient client, DaemonLauncher.RunningDaemon started, String where) implements AutoCloseable {
        boolean inProcess() {
            return started != null;
        }

        /** A trusted daemon on another machine (TLS), where what is sent crosses the network. */
        boolean remote() {
            return client.serverFingerprint() != null;
        }

        @Override
        public void close() {
            client.close();
            if (started != null) {
                started.close();
            }
        }
    }

    /**
     * A trusted daemon (`atelier connect`) by TLS with its pinned certificate and stored token;
     * otherwise the daemon on this machine, started in this process when none answers. Another
     * machine that was never trusted is refused rather than reached in clear.
     */
    private Session connect(CommandLine line) throws UsageException, IOException, TTransportException {
        String host = explicitHost(line);
        int port = port(line);
        if (host != null) {
            java.util.Optional<TrustedServers.Server> trusted = TrustedServers.of(home).find(host, port);
            if (trusted.isPresent()) {
                return new Session(AtelierClient.connectTls(host, port, trusted.get().token(), 0, trusted.get().fingerprint()),
                        null, TrustedServers.key(host, port) + " (TLS)");
            }
            if (!isLoopback(host)) {
                throw new IOException(TrustedServers.key(host, port) + " is not a trusted daemon yet: run `atelier connect "
                        + TrustedServers.key(host, port) + "` (it shows the daemon's certificate and keeps its token)");
            }
        }
        String token = home.readToken();
        String where = host == null ? "127.0.0.1" : host;
        if (token != null) {
            try {
                return new Session(AtelierClient.connect(where, port, token, 0), null, where + ":" + port);
            } catch (TTransportException nobodyListening) {
                if (host != null) {
                    throw nobodyListening;
                }
            }
        } else if (host != null) {
            throw new IOException("no token in " + home.tokenFile() + ": start the daemon on that machine first");
        }
        DaemonLauncher.RunningDaemon daemon = launcher().start(0, home);
        try {
            return new Session(AtelierClient.connect("127.0.0.1", daemon.port(), home.readToken(), 0), daemon, "in-process");
        } catch (TTransportException | RuntimeException e) {
            daemon.close();
            throw e;
        }
    }

    /** --host, else $ATELIER_HOST, else null (this machine, in-process if need be). */
    private static String explicitHost(CommandLine line) {
        String host = line.text("host");
        if (host == null) {
            String fromEnv = System.getenv("ATELIER_HOST");
            host = fromEnv == null || fromEnv.isBlank() ? null : fromEnv.trim();
        }
        return host;
    }

    private static boolean isLoopback(String host) throws IOException {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IOException("--host: unknown host " + host, e);
        }
    }

    private static DaemonLauncher launcher() throws IOException {
        return ServiceLoader.load(DaemonLauncher.class).findFirst()
                .orElseThrow(() -> new IOException("this build has no embedded daemon (engine-daemon is not on the class path)"));
    }

    private static int defaultPort() {
        String fromEnv = System.getenv("ATELIER_PORT");
        return fromEnv == null || fromEnv.isBlank() ? AtelierHome.DEFAULT_PORT : Integer.parseInt(fromEnv.trim());
    }

    private static int port(CommandLine line) throws UsageException {
        Integer port = line.integer("port");
        if (port == null) {
            port = defaultPort();
        }
        if (port < 0 || port > 65535) {
            throw new UsageException("--port must be between 0 and 65535");
        }
        return port;
    }

    private static Picture png(CommandLine line, String option, boolean required) throws UsageException, IOException {
        String name = required ? line.required(option) : line.text(option);
        if (name == null) {
            return null;
        }
        Path file = Path.of(name);
        if (Files.isDirectory(file)) {
            throw new UsageException("--" + option + ": " + name + " is a directory, not a PNG file");
        }
        try {
            return new Picture(PixelFormat.PNG, 0, 0, ByteBuffer.wrap(Files.readAllBytes(file)));
        } catch (NoSuchFileException e) {
            throw new UsageException("--" + option + ": no such file " + name);
        } catch (AccessDeniedException e) {
            throw new UsageException("--" + option + ": cannot read " + name + " (permission denied)");
        }
    }

    /** "16:9", "1.5" or "3/2" as width over height. */
    /** "ink-style:0.8,film" -> two LoRAs, the second at weight 1. */
    static List<LoraChoice> loras(String text) throws UsageException {
        List<LoraChoice> loras = new java.util.ArrayList<>();
        for (String part : text.split(",")) {
            String[] nameWeight = part.trim().split(":", 2);
            if (nameWeight[0].isBlank()) {
                throw new UsageException("--lora takes NAME[:WEIGHT] separated by commas, got '" + text + "'");
            }
            LoraChoice choice = new LoraChoice(nameWeight[0].trim());
            if (nameWeight.length == 2) {
                try {
                    choice.setWeight(Double.parseDouble(nameWeight[1].trim()));
                } catch (NumberFormatException e) {
                    throw new UsageException("--lora weight of '" + nameWeight[0] + "' is not a number: " + nameWeight[1]);
                }
            }
            loras.add(choice);
        }
        return loras;
    }

    static double aspectRatio(String text) throws UsageException {
        try {
            String[] parts = text.split("[:/]");
            double ratio = parts.length == 2 ? Double.parseDouble(parts[0]) / Double.parseDouble(parts[1]) : Double.parseDouble(text);
            if (parts.length > 2 || !(ratio > 0) || Double.isInfinite(ratio)) {
                throw new NumberFormatException();
            }
            return ratio;
        } catch (NumberFormatException e) {
            throw new UsageException("--aspect must be a ratio such as 16:9 or 1.5, not '" + text + "'");
        }
    }

    private static FlatsOutput flatsOutput(String text) throws UsageException {
        return switch (text) {
            case "underlay" -> FlatsOutput.UNDERLAY;
            case "merged" -> FlatsOutput.MERGED;
            case "per-color" -> FlatsOutput.PER_COLOR;
            default -> throw new UsageException("--flats must be underlay, merged or per-color, not '" + text + "'");
        };
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    static Path numbered(Path file, int index) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String numbered = dot > 0 ? name.substring(0, dot) + "-" + index + name.substring(dot) : name + "-" + index;
        return file.resolveSibling(numbered);
    }

    /** --out as given: refused when empty. */
    private static Path outputFile(CommandLine line) throws UsageException {
        String name = line.required("out");
        if (name.isBlank()) {
            throw new UsageException("--out is empty: name the PNG file to write");
        }
        return Path.of(name);
    }

    /**
     * Refuses, before any work, an output that could not be written or would destroy something:
     * a directory, a file in a directory that does not exist (none is created unasked), a
     * read-only file, or one of the input pictures.
     */
    static void checkOutput(Path target, CommandLine line) throws UsageException, IOException {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.isDirectory(absolute)) {
            throw new UsageException("--out: " + target + " is a directory: name a PNG file in it");
        }
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UsageException("--out: the directory " + dir + " does not exist (Atelier does not create it)");
        }
        if (!Files.isWritable(dir)) {
            throw new UsageException("--out: cannot write in " + dir);
        }
        if (Files.exists(absolute) && (!Files.isWritable(absolute) || !ownerMayWrite(absolute))) {
            throw new UsageException("--out: " + target + " is read-only; Atelier will not replace it");
        }
        for (String input : List.of("image", "mask", "hints", "sample-from", "keep")) {
            String given = line.text(input);
            if (given != null && Files.exists(absolute) && Files.exists(Path.of(given))
                    && Files.isSameFile(absolute, Path.of(given))) {
                throw new UsageException("--out " + target + " is the --" + input + " file: Atelier never overwrites its input");
            }
        }
    }

    /** The file's own write bit, which root's access checks ignore: a file made read-only stays so. */
    private static boolean ownerMayWrite(Path file) throws IOException {
        if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
            return true;
        }
        return Files.getPosixFilePermissions(file).contains(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }
}
