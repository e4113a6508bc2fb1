package org.purifybench.engine.pytorch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import org.purifybench.core.UserException;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.model.EngineProvider;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.model.ModelSpec;

/**
 * PyTorch (libtorch 2.5.1) through DJL 0.33.0, on the CPU or a CUDA device. DJL runs offline: it
 * loads libtorch from the native jar on the class path and never downloads (design.md section 9).
 */
public final class TorchEngine implements ComputeEngine {
    public static final String ID = "pytorch";
    static final String NATIVE_CPU_JAR = "ai.djl.pytorch:pytorch-native-cpu:2.5.1:linux-x86_64";
    static final String NATIVE_GPU_JAR = "ai.djl.pytorch:pytorch-native-cu124:2.5.1:linux-x86_64";

    private final String device;
    private final Device djlDevice;
    private final Engine engine;

    private TorchEngine(String device, Engine engine, Device djlDevice) {
        this.device = device;
        this.engine = engine;
        this.djlDevice = djlDevice;
    }

    /** DJL's PyTorch engine, offline; a clear error when libtorch is not on the class path. */
    static Engine pytorch() {
        // Without this DJL downloads libtorch when its jar is missing and reports usage at start-up.
        System.setProperty("ai.djl.offline", "true");
        try {
            return Engine.getEngine("PyTorch");
        } catch (EngineException | IllegalArgumentException e) {
            throw new UserException("PyTorch (libtorch 2.5.1) could not be loaded: " + rootMessage(e),
                    "build with Maven so that " + NATIVE_CPU_JAR + " (or, with -Pgpu, " + NATIVE_GPU_JAR
                            + ") is on the class path; nothing is downloaded at run time", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    static TorchEngine open(String device) {
        Engine engine = pytorch();
        Device d;
        if (device.equals(CPU)) {
            d = Device.cpu();
        } else {
            int index = Integer.parseInt(device.substring(device.indexOf(':') + 1));
            int gpus = engine.getGpuCount();
            if (gpus == 0) {
                throw new UserException("--device " + device + ": PyTorch sees no CUDA device (libtorch " + engine.getVersion()
                                + ", flavor " + System.getProperty("PYTORCH_FLAVOR", System.getenv().getOrDefault("PYTORCH_FLAVOR", "cpu")) + ")",
                        "on a machine with an NVIDIA GPU build with -Pgpu (" + NATIVE_GPU_JAR + ") and make libcudart visible"
                                + " (docs/engines.md, GPUs); here use --device cpu");
            }
            if (index >= gpus) {
                throw new UserException("--device " + device + ": PyTorch sees only " + gpus + " CUDA device(s)",
                        "use --device cuda:0 ... cuda:" + (gpus - 1));
            }
            d = Device.gpu(index);
            // cuDNN's autotuner picks algorithms by timing them, so two runs could compute differently
            ai.djl.pytorch.jni.JniUtils.setBenchmarkCuDNN(false);
        }
        return new TorchEngine(device, engine, d);
    }

    Device djlDevice() {
        return djlDevice;
    }

    Engine djl() {
        return engine;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public String describe() {
        return "pytorch " + engine.getVersion() + " via DJL " + Engine.getDjlVersion() + " on " + djlDevice;
    }

    @Override
    public HostModel create(ModelSpec spec, long seed) {
        return TorchModel.create(this, spec, seed);
    }

    /** Registered in META-INF/services. */
    public static final class Provider implements EngineProvider {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public ComputeEngine open(String device) {
            return TorchEngine.open(device);
        }
    }
}
