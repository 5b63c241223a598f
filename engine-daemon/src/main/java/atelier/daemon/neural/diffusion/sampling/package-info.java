/**
 * Sampling, independent of any network: the noise schedule, the schedulers (euler, euler-a,
 * dpmpp-2m-karras, ddim, lcm), seeded noise, classifier-free guidance, and the {@code Sampler}
 * that steps every variant in lockstep with progress, cancel and previews, on a small
 * {@code Latents} algebra. May use {@code image} and {@code jobs}.
 */
package atelier.daemon.neural.diffusion.sampling;
