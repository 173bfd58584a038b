using TorchSharp;

namespace PSRnn.Engine.Models;

public static class Devices
{
    /// <summary>True when this build of libtorch has CUDA and a GPU is visible (never on the Cpu backend).</summary>
    public static bool CudaAvailable => torch.cuda.is_available();

    /// <summary>
    /// Threads used when the user gives none: every core, up to 4. On a 2-vCPU machine, d2l's
    /// settings trained 1.35-1.5x faster with 2 threads than with 1 (README, "Threads"); past a few
    /// threads, [32 x 512] matrices split too finely to gain. Parallel sweeps should pass 1.
    /// </summary>
    public static int DefaultThreads => Math.Min(Environment.ProcessorCount, 4);
}
