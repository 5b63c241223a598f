package atelier.daemon.neural.diffusion.net;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * DJL's PyTorch engine as the diffusion networks use it: libtorch from the pytorch-native-cpu
 * jar, DJL in offline mode (nothing is downloaded), the GPU and half precision only when DJL
 * reports a GPU, the CPU in fp32 otherwise (fp16 on a CPU is slow and loses accuracy).
 */
public record TorchRuntime(Engine engine, Device device, DataType computeType) {

    static {
        System.setProperty("ai.djl.offline", "true");
    }

    /** The runtime this machine offers. */
    public static TorchRuntime detect() {
        Engine engine = Engine.getEngine("PyTorch");
        boolean gpu = engine.getGpuCount() > 0;
        return new TorchRuntime(engine, gpu ? Device.gpu() : Device.cpu(), gpu ? DataType.FLOAT16 : DataType.FLOAT32);
    }

    /** The CPU in fp32 whatever the machine has: what reference comparisons run on. */
    public static TorchRuntime cpu() {
        return new TorchRuntime(Engine.getEngine("PyTorch"), Device.cpu(), DataType.FLOAT32);
    }

    public NDManager newManager() {
        return engine.newBaseManager(device);
    }

    /** "PyTorch 2.7.1 on cpu(), float32": what capabilities and benchmarks print. */
    public String describe() {
        return engine.getEngineName() + " " + engine.getVersion() + " on " + device + ", " + computeType;
    }
}
