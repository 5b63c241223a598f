/**
 * The daemon's start-up: {@code AtelierDaemon} wires the engines to the operations (the one
 * place that sees every package) and serves them over Thrift; {@code InProcessLauncher} runs one
 * inside the {@code atelier} command. May use every package below.
 */
package atelier.daemon;
