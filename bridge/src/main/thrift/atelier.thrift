/*
 * Atelier: the contract between an editor plugin (Krita, GIMP, the `atelier` command)
 * and the Atelier daemon. This file is the protocol reference for every language.
 *
 * Transport: Thrift binary protocol over a framed transport, on 127.0.0.1 only.
 * Every call carries the token that the daemon wrote, readable by its owner only, to
 * <user config dir>/atelier/token on first start (Linux: ~/.config/atelier/token).
 *
 * Long work is a job: `submit` validates the request and answers a job id at once;
 * `status` reports progress, `cancel` stops it between engine steps, and `result`
 * fetches the finished layers. Results are kept in the daemon's spool on disk until
 * they expire, so a client that reconnects still gets its result.
 *
 * Every failure is a declared exception: its type is the machine-readable code and
 * `message` is a sentence for a person.
 */

namespace java atelier.bridge.thrift
namespace py atelier_thrift

/** What the artist asks for. */
enum Operation {
  /** "Make this thing disappear": fill the selection from its surroundings. */
  CONTENT_FILL = 1,
  /** "Put a corgi here": paint the prompt into the selection (needs a diffusion model). */
  INPAINT = 2,
  /** "Extend the canvas": grow the canvas by `extend` and fill the new area. */
  OUTPAINT = 3,
  /** "Cut the icon out": the picture with a transparent background. */
  REMOVE_BACKGROUND = 4,
  /** "Colour my line art": a colour layer to go beneath the lines. */
  COLORIZE = 5,
}

/** How the bytes of a Picture are laid out. */
enum PixelFormat {
  /** Raw 8-bit RGBA, row by row from the top left, not premultiplied: width*height*4 bytes. */
  RGBA8 = 1,
  /** Raw 8-bit grey, one byte a pixel: width*height bytes. For masks only. */
  GRAY8 = 2,
  /**
   * A PNG file's bytes; width and height are read from it (set them to 0). As a mask,
   * a grey PNG is used as it is and an RGBA PNG by its alpha.
   */
  PNG = 3,
}

/**
 * A picture travelling as bytes. The daemon never opens a path named by a client.
 * Every field must be set (left without `required` so a bad picture gets an InvalidRequest).
 */
struct Picture {
  /** Layout of `data`. */
  1: PixelFormat format,
  /** Width in pixels (raw formats); 0 for PNG. */
  2: i32 width,
  /** Height in pixels (raw formats); 0 for PNG. */
  3: i32 height,
  /** The pixels, laid out as `format` says. */
  4: binary data,
}

/** Pixels to add on each side of the canvas (outpaint). At least one must be above 0. */
struct Extension {
  1: i32 left = 0,
  2: i32 right = 0,
  3: i32 top = 0,
  4: i32 bottom = 0,
}

/** How colorize returns its flats. */
enum FlatsOutput {
  /** One layer of flat colours to go beneath the line art (default). */
  UNDERLAY = 1,
  /** One layer: the line art multiplied over the flats. */
  MERGED = 2,
  /** One layer per flat colour, each named after its colour, what colourists ask of flatting tools. */
  PER_COLOR = 3,
}

/**
 * One edit, as the plugin sends it. Fields an operation does not use are ignored.
 * operation and image must be set; they are not marked `required` so that a missing or
 * unknown value gets a typed InvalidRequest naming the field, not a protocol error.
 */
struct EditRequest {
  /** What to do. */
  1: Operation operation,
  /** The active layer's pixels: RGBA8 or PNG. */
  2: Picture image,
  /**
   * The selection as an 8-bit mask of the image's size: 255 selected, 0 not, values
   * between are a soft edge and are kept. GRAY8 or PNG. Needed by content-fill and
   * inpaint; for remove-background it is where the subject is (a rough box or lasso):
   * everything outside it becomes transparent, soft edges limit the alpha softly, and the
   * subject is found inside it.
   */
  3: optional Picture mask,
  /**
   * Colour hint strokes for colorize: RGBA8 or PNG of the image's size, transparent where no hint
   * (pixels under 50% opacity are no stroke). One scribble colours the shape it is in; several in
   * one shape split it along the lines. A stroke in exactly #FF00FF (magenta) keeps its shape
   * empty. The paper around the drawing (what reaches the canvas border) stays transparent unless
   * a scribble is placed on it.
   */
  4: optional Picture hints,
  /** What should be there (inpaint, outpaint, colorize with a model). At most 2000 characters. */
  5: optional string prompt,
  /** What should not be there. At most 2000 characters. */
  6: optional string negativePrompt,
  /** Seed of the first variant; variant k uses seed+k. Absent: the daemon picks one and reports it. */
  7: optional i64 seed,
  /** How much the model may change the start image, 0.0 to 1.0. Default 1.0. */
  8: optional double strength,
  /** Sampling steps for model engines, 1 to 150. Default chosen by the engine. */
  9: optional i32 steps,
  /** How many results to make, 1 to 8. Default 1. */
  10: optional i32 variants,
  /**
   * Which engine: "auto" (default: the best installed), "embedded" (the engine that
   * needs no model), or a name that `capabilities()` lists for the operation.
   */
  11: optional string engine,
  /** Outpaint: how far to grow the canvas on each side. */
  12: optional Extension extend,
  /** Format of the result pictures: RGBA8 (default) or PNG. */
  13: optional PixelFormat resultFormat,
  /**
   * true: each result layer covers the whole (possibly grown) canvas with the edit
   * applied, ready to save as a file. false (default): only the region that changed.
   */
  14: optional bool wholeCanvas = false,
  /**
   * content-fill: where patches may be taken from, an 8-bit mask like `mask` (255 = may
   * sample here). Absent: anywhere outside the selection.
   */
  15: optional Picture sampleFrom,
  /** remove-background: true returns the alpha alone as an opaque grey picture instead of the cut-out. */
  16: optional bool alphaOnly = false,
  /** colorize: how to return the flats. Default UNDERLAY. */
  17: optional FlatsOutput flats,
  /** colorize: close gaps in the line art up to this many pixels wide, 0 to 32. Default 4. */
  18: optional i32 gapClosing,
  /**
   * outpaint: instead of `extend`, grow the canvas evenly on the short sides until
   * width / height equals this ratio (e.g. 1.7778 for 16:9). 0.1 to 10.
   */
  19: optional double aspectRatio,
  /**
   * Model engines: the sampler, one of "euler", "euler-a", "dpmpp-2m-karras", "ddim", "lcm"
   * (few steps, for LCM checkpoints and LoRAs). Default "dpmpp-2m-karras".
   */
  20: optional string scheduler,
  /** Model engines: classifier-free guidance scale, 1.0 (prompt alone) to 30.0. Default 7.5. */
  21: optional double guidance,
  /** Model engines: LoRAs from the model directory to apply, at most 8, each at its weight. */
  22: optional list<LoraChoice> loras,
  /**
   * inpaint and model content-fill: grow the selection by this many pixels before the model
   * generates (so it repaints edges the selection missed), 0 to 128. Default 8. Pixels outside
   * the selection itself are never changed.
   */
  23: optional i32 maskGrow,
  /** inpaint and model content-fill: soften the generated area's edge over this many pixels, 0 to 128. Default 8. */
  24: optional i32 maskFeather,
  /**
   * Model engines: which text-encoder layer the prompt is read from: 1 the last (SD 1.5's own),
   * 2 the one before ("clip skip 2", which many anime checkpoints expect). Default 1.
   */
  25: optional i32 clipSkip,
  /**
   * Model engines: a standalone VAE (a `vae` in capabilities' models, e.g. vae-ft-mse-840000) to
   * encode and decode pictures with instead of the checkpoint's own.
   */
  26: optional string vae,
  /**
   * Model engines: a Style by name (capabilities' styles): its checkpoint, LoRAs, VAE, prompt
   * template, negative prompt, scheduler, steps, guidance, clip skip, strength and variants fill
   * every field this request leaves unset; a field the request sets wins. The prompt goes into
   * the Style's template where it says {prompt}.
   */
  27: optional string style,
  /**
   * remove-background: what must stay, an 8-bit mask like `mask` (above 0 = keep, at that
   * opacity at least), whatever the engine finds.
   */
  28: optional Picture keep,
}

/** One LoRA of an edit: a name `capabilities()` lists as a model of kind "lora", and how strongly to apply it. */
struct LoraChoice {
  1: required string name,
  /** -2.0 to 2.0; 0 leaves the model as it is. Default 1.0. */
  2: optional double weight = 1.0,
}

/** An engine that can run an operation. */
struct EngineInfo {
  /** Name to put in EditRequest.engine, e.g. "telea". */
  1: required string name,
  /** "embedded" (no model needed) or "model". */
  2: required string kind,
  /** One line for a person. */
  3: required string description,
}

/** What the daemon can do for one operation. */
struct OperationSupport {
  1: required Operation operation,
  /** The engines that can run it now, best first; empty when none is installed. */
  2: required list<EngineInfo> engines,
  /** When `engines` is empty: what to install to enable it. */
  3: optional string howToEnable,
}

/** A model file found in the model directory. */
struct ModelInfo {
  /** Name to put in EditRequest.engine. */
  1: required string name,
  /** What the daemon recognised it as, e.g. "sd15-inpainting", "isnet". */
  2: required string kind,
  /** Size on disk. */
  3: required i64 sizeBytes,
}

/**
 * A Style: a shareable recipe, one JSON file in MODELS/styles/ (or the config directory's
 * styles/), or one that ships with Atelier. Its fields, all optional but "name":
 *   name (string), checkpoint (list of checkpoint names: the first installed one is used),
 *   loras (list of {"name", "weight"}), vae (string), prompt (a template holding {prompt}),
 *   negative (string), scheduler (string), steps (int), guidance (number), clipSkip (1 or 2),
 *   strength (number), variants (int).
 */
struct StyleInfo {
  /** What EditRequest.style names. */
  1: required string name,
  /** Whether everything it needs is installed now. */
  2: required bool usable,
  /** When not usable: what is missing, for a person. */
  3: optional string missing,
  /** The recipe as JSON, as `atelier styles show` prints it. */
  4: required string recipe,
  /** Where it was read from ("built in" for the ones Atelier ships). */
  5: required string source,
}

/** The daemon's answer to capabilities(). */
struct Capabilities {
  /** Atelier version, e.g. "0.1.0". */
  1: required string version,
  /** One entry per Operation. */
  2: required list<OperationSupport> operations,
  /** Installed models. */
  3: required list<ModelInfo> models,
  /** Where model engines run: "cpu" or e.g. "cuda:0 (NVIDIA ...)". */
  4: required string computeDevice,
  /** Largest image accepted, in pixels (width * height). */
  5: required i64 maxPixels,
  /** Largest request accepted, in bytes. */
  6: required i64 maxMessageBytes,
  /** The Styles a request may name, and files in the styles folders that could not be read (usable false). */
  7: optional list<StyleInfo> styles,
  /**
   * How many jobs the daemon runs at once: CPU engines up to the machine's cores, while model
   * engines take turns on their model (one job at a time per model, so per GPU). A batch keeps
   * this many and one more in flight.
   */
  8: optional i32 workers,
}

/** Where a job is. */
enum JobState {
  /** Waiting for a worker. */
  QUEUED = 1,
  RUNNING = 2,
  /** Finished; `result` returns the layers. */
  SUCCEEDED = 3,
  /** Stopped by an error; JobStatus.error says which. */
  FAILED = 4,
  /** Stopped by `cancel`. */
  CANCELLED = 5,
}

/** The answer to status(). */
struct JobStatus {
  1: required string jobId,
  2: required JobState state,
  /** 0.0 to 1.0. */
  3: required double progress,
  /** What the engine is doing, for a person: "queued", "filling", ... */
  4: required string stage,
  /** Jobs ahead of this one while QUEUED. */
  5: optional i32 queuePosition,
  /** A small preview of the work so far (PNG), when the engine has one. */
  6: optional Picture preview,
  /** Why the job FAILED. */
  7: optional string error,
}

/** How a result layer belongs in the document. */
enum LayerRole {
  /** Goes above the original at (x, y); where the selection was 0 it equals the original. */
  PATCH = 1,
  /** Replaces the picture: the cut-out with its new alpha. */
  CUTOUT = 2,
  /** Goes beneath the original (colorize flats under the line art). */
  UNDERLAY = 3,
}

/** One result: a picture and where it goes. */
struct Layer {
  /** The pixels, in EditRequest.resultFormat. */
  1: required Picture pixels,
  /** Left edge in the result canvas (which outpaint grows: then the original sits at extend.left, extend.top). */
  2: required i32 x,
  /** Top edge in the result canvas. */
  3: required i32 y,
  /** The seed that made this variant. */
  4: required i64 seed,
  /** How to put it in the document. */
  5: required LayerRole role,
  /** A name for the layer when the operation has one, e.g. a flat's colour "#c83c28". */
  6: optional string name,
}

/** The answer to result(). */
struct EditResult {
  1: required string jobId,
  2: required Operation operation,
  /** One layer per variant, in seed order. */
  3: required list<Layer> layers,
  /** Size of the canvas the layers are placed in (grown by outpaint). */
  4: required i32 canvasWidth,
  5: required i32 canvasHeight,
  /** The engine that ran. */
  6: required string engine,
  /** Everything else needed to reproduce the result: model, scheduler, steps, ... */
  7: required map<string, string> details,
}

/** A request field is missing, malformed or out of range. */
exception InvalidRequest {
  /** The field, as a path: "mask.width", "strength", "image.data". */
  1: required string field,
  /** Why, for a person. */
  2: required string reason,
}

/** The token is missing or wrong. */
exception Unauthorized {
  1: required string message,
}

/** No job with this id (never submitted, or its result expired). */
exception NotFound {
  1: required string jobId,
  2: required string message,
}

/** The operation has no engine here, or the named engine is not installed. */
exception Unsupported {
  1: required Operation operation,
  /** The engine asked for ("auto" when none was named). */
  2: required string engine,
  /** What to install or run to enable it. */
  3: required string howToEnable,
}

/** The job queue is full; try again later. */
exception Busy {
  1: required string message,
  /** A reasonable wait before retrying. */
  2: required i32 retryAfterMillis,
}

/** The job was cancelled, so it has no result. */
exception Cancelled {
  1: required string jobId,
}

/** The job has no result yet or failed; `state` says which. */
exception NoResult {
  1: required string jobId,
  2: required JobState state,
  /** For a person: "still running", or why it failed. */
  3: required string message,
}

/** A part of the canvas, in pixels from its top left. */
struct Rect {
  1: required i32 x,
  2: required i32 y,
  3: required i32 width,
  4: required i32 height,
}

/** A request described without its pixels, for contextRegion. */
struct RegionQuery {
  1: required Operation operation,
  /** The whole picture's size. */
  2: required i32 canvasWidth,
  3: required i32 canvasHeight,
  /** The bounds of the mask's selected pixels; absent when there is no selection. */
  4: optional Rect selection,
  /** As EditRequest.engine; absent means auto. */
  5: optional string engine,
  /** Whether the request will carry a sampleFrom mask (content-fill). */
  6: optional bool sampleFrom = false,
}

service Atelier {
  /** What this daemon can do now: operations, engines, models, device, limits. */
  Capabilities capabilities(1: string token) throws (1: Unauthorized unauthorized),

  /**
   * The part of the canvas a request like this one is computed from. Sending only that crop
   * (image and masks alike, the mask's bounds unchanged relative to it) gives the same layers,
   * offset by the crop's x and y: a client on a slow link sends a 4000x3000 picture's
   * neighbourhood of the selection, not the picture. Operations that need the whole picture
   * (outpaint, colorize, remove background without a selection) answer the whole canvas.
   */
  Rect contextRegion(1: string token, 2: RegionQuery query)
      throws (1: Unauthorized unauthorized, 2: InvalidRequest invalid),

  /**
   * Validate the request and queue it. Answers the job id at once. Everything a picture's
   * header tells (formats, sizes, limits) and every parameter is checked here; a large picture
   * (over 4 megapixels) is decoded on the daemon's worker rather than while the client waits,
   * so what needs its pixels (an empty selection, line art too faint, a damaged PNG body) is
   * refused by `result`, with the same InvalidRequest or Unsupported. Busy when the pictures
   * already queued would hold more than the daemon's decoding budget.
   */
  string submit(1: string token, 2: EditRequest request)
      throws (1: Unauthorized unauthorized, 2: InvalidRequest invalid, 3: Unsupported unsupported, 4: Busy busy),

  /** Progress of a job. */
  JobStatus status(1: string token, 2: string jobId)
      throws (1: Unauthorized unauthorized, 2: NotFound notFound),

  /**
   * The layers of a finished job. They stay fetchable until they expire. A job whose request was
   * refused once its pictures were decoded answers that refusal (invalid, unsupported).
   */
  EditResult result(1: string token, 2: string jobId)
      throws (1: Unauthorized unauthorized, 2: NotFound notFound, 3: Cancelled cancelled, 4: NoResult noResult,
              5: InvalidRequest invalid, 6: Unsupported unsupported),

  /** Stop a queued or running job (between engine steps). Cancelling a finished job discards its result. */
  void cancel(1: string token, 2: string jobId)
      throws (1: Unauthorized unauthorized, 2: NotFound notFound),
}
