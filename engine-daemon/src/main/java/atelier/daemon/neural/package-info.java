/**
 * Engines with models: the registry of the model directory ({@code InstalledModels}, checked
 * against the manifest at start, each model loaded on first use) and the engines it offers,
 * from {@code isnet} (segmentation) and {@code diffusion} (SD 1.5). May use those, {@code ops},
 * {@code image}, {@code jobs}.
 */
package atelier.daemon.neural;
