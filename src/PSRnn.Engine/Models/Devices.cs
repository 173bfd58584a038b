using TorchSharp;

namespace PSRnn.Engine.Models;

public static class Devices
{
    /// <summary>True when this build of libtorch has CUDA and a GPU is visible (never on the Cpu backend).</summary>
    public static bool CudaAvailable => torch.cuda.is_available();

    /// <summary>
    /// Threads used when the user gives none: one. On an idle 2-vCPU machine two threads trained
    /// d2l's models 1.35-1.5x faster, but with other work on the machine (a sweep, a build) libtorch's
    /// spinning thread pool fell 8x behind one thread; one thread never does (README, "Threads").
    /// </summary>
    public const int DefaultThreads = 1;
}
