package atelier.daemon.server;

import atelier.bridge.thrift.Atelier;
import atelier.bridge.thrift.Busy;
import atelier.bridge.thrift.Cancelled;
import atelier.bridge.thrift.Capabilities;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.JobState;
import atelier.bridge.thrift.JobStatus;
import atelier.bridge.thrift.ModelInfo;
import atelier.bridge.thrift.NoResult;
import atelier.bridge.thrift.NotFound;
import atelier.bridge.thrift.PixelFormat;
import atelier.bridge.thrift.Unauthorized;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.jobs.JobQueue;
import atelier.daemon.jobs.JobWork;
import atelier.daemon.ops.Edit;
import atelier.daemon.ops.EditCatalog;
import atelier.daemon.ops.EditOrder;
import java.io.IOException;
import java.util.List;
import org.apache.thrift.TException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Thrift handler: checks the token, then hands each call to the catalog or the job queue. */
public final class AtelierService implements Atelier.Iface {

    private static final Logger LOG = LoggerFactory.getLogger(AtelierService.class);

    private final TokenFile token;
    private final EditCatalog catalog;
    private final List<ModelInfo> models;
    private final JobQueue jobs;
    private final Limits limits;
    private final RequestDecoding decoding;
    private final String version;
    private final String computeDevice;
    private final StyleBook styles;

    public AtelierService(TokenFile token, EditCatalog catalog, List<ModelInfo> models, JobQueue jobs, Limits limits,
                          String version, String computeDevice) {
        this(token, catalog, models, jobs, limits, version, computeDevice, StyleBook.none());
    }

    public AtelierService(TokenFile token, EditCatalog catalog, List<ModelInfo> models, JobQueue jobs, Limits limits,
                          String version, String computeDevice, StyleBook styles) {
        this.styles = styles;
        this.token = token;
        this.catalog = catalog;
        this.models = List.copyOf(models);
        this.jobs = jobs;
        this.limits = limits;
        this.decoding = new RequestDecoding(limits, catalog.schedulers());
        this.version = version;
        this.computeDevice = computeDevice;
    }

    @Override
    public Capabilities capabilities(String token) throws Unauthorized {
        authorise(token);
        return new Capabilities(version, catalog.support(), models, computeDevice, limits.maxPixels(),
                limits.maxMessageBytes()).setStyles(styles.infos(models)).setWorkers(jobs.workerCount());
    }

    @Override
    public atelier.bridge.thrift.Rect contextRegion(String token, atelier.bridge.thrift.RegionQuery query)
            throws Unauthorized, InvalidRequest {
        authorise(token);
        if (query == null || query.getOperation() == null) {
            throw new InvalidRequest("operation", "is missing");
        }
        if (query.getCanvasWidth() < 1 || query.getCanvasHeight() < 1
                || (long) query.getCanvasWidth() * query.getCanvasHeight() > limits.maxPixels()) {
            throw new InvalidRequest("canvasWidth", query.getCanvasWidth() + "x" + query.getCanvasHeight()
                    + " is not a canvas this daemon takes (1 to " + limits.maxPixels() + " pixels)");
        }
        atelier.daemon.image.Extent canvas = new atelier.daemon.image.Extent(query.getCanvasWidth(), query.getCanvasHeight());
        atelier.daemon.image.Bounds selection = null;
        if (query.isSetSelection()) {
            atelier.bridge.thrift.Rect r = query.getSelection();
            selection = new atelier.daemon.image.Bounds(r.getX(), r.getY(), r.getWidth(), r.getHeight());
            if (r.getWidth() < 1 || r.getHeight() < 1 || !atelier.daemon.image.Bounds.of(canvas).intersect(selection).equals(selection)) {
                throw new InvalidRequest("selection", selection + " is not a non-empty part of the " + canvas + " canvas");
            }
        }
        atelier.daemon.image.Bounds region = catalog.edit(query.getOperation()).contextRegion(selection, canvas,
                query.isSetEngine() ? query.getEngine() : null, query.isSampleFrom());
        return new atelier.bridge.thrift.Rect(region.x(), region.y(), region.width(), region.height());
    }

    @Override
    public String submit(String token, EditRequest asked) throws Unauthorized, InvalidRequest, Unsupported, Busy {
        authorise(token);
        // A Style fills what the request leaves unset; from here on it is an ordinary request.
        EditRequest request = styles.apply(asked, models);
        String style = request != null && request.isSetStyle() ? request.getStyle() : null;
        long decodedBytes = decoding.decodedBytes(request);
        PixelFormat format = request != null && request.isSetResultFormat() ? request.getResultFormat() : PixelFormat.RGBA8;
        boolean wholeCanvas = request != null && request.isWholeCanvas();
        JobWork work;
        if (request != null && decoding.decodesOnWorker(request)) {
            // A large picture is decoded, and the operation prepared, on the worker: the client
            // gets its job id now, and a refusal that needs the pixels from result().
            decoding.checkWithoutPixels(request);
            work = (jobId, progress) -> {
                progress.step(0, "reading the pictures");
                try {
                    EditOrder order = decoding.decode(request);
                    Edit.Work prepared = catalog.edit(order.operation()).prepare(order);
                    return named(ResultEncoding.encode(jobId, order.operation(), order.image(), prepared.run(progress), format,
                            wholeCanvas), style);
                } catch (InvalidRequest refused) {
                    throw new JobWork.Refusal(refused, "invalid request: " + refused.getField() + ": " + refused.getReason());
                } catch (Unsupported refused) {
                    throw new JobWork.Refusal(refused, "unsupported: " + refused.getHowToEnable());
                }
            };
        } else {
            EditOrder order = decoding.decode(request);
            Edit.Work prepared = catalog.edit(order.operation()).prepare(order);
            work = (jobId, progress) -> named(ResultEncoding.encode(jobId, order.operation(), order.image(),
                    prepared.run(progress), format, wholeCanvas), style);
        }
        try {
            return jobs.submit(work, ConnectionTracker.current(), decodedBytes);
        } catch (JobQueue.QueueFull e) {
            throw new Busy(e.getMessage(), 2000);
        }
    }

    /** The result with the Style it was made with in its details, so it can be made again. */
    private static EditResult named(EditResult result, String style) {
        if (style != null) {
            result.putToDetails("style", style);
        }
        return result;
    }

    @Override
    public JobStatus status(String token, String jobId) throws Unauthorized, NotFound {
        authorise(token);
        try {
            return jobs.status(jobId);
        } catch (JobQueue.UnknownJob e) {
            throw new NotFound(String.valueOf(jobId), e.getMessage());
        }
    }

    @Override
    public EditResult result(String token, String jobId) throws TException {
        authorise(token);
        try {
            return jobs.result(jobId);
        } catch (JobQueue.UnknownJob e) {
            throw new NotFound(String.valueOf(jobId), e.getMessage());
        } catch (JobWork.Refusal e) {
            throw e.refusal();
        } catch (JobQueue.NoResultYet e) {
            if (e.state() == JobState.CANCELLED) {
                throw new Cancelled(jobId);
            }
            throw new NoResult(jobId, e.state(), e.getMessage());
        } catch (IOException e) {
            LOG.warn("cannot read the result of job {}", jobId, e);
            throw new NoResult(jobId, JobState.FAILED, "the result could not be read back from the spool: " + e.getMessage());
        }
    }

    @Override
    public void cancel(String token, String jobId) throws Unauthorized, NotFound {
        authorise(token);
        try {
            jobs.cancel(jobId);
        } catch (JobQueue.UnknownJob e) {
            throw new NotFound(String.valueOf(jobId), e.getMessage());
        }
    }

    private void authorise(String candidate) throws Unauthorized {
        if (!token.matches(candidate)) {
            throw new Unauthorized("wrong or missing token: use the one in the daemon's token file");
        }
    }
}
