using TorchSharp;

namespace PSRnn.Engine.Models;

public static class Devices
{
    /// <summary>True when this build of libtorch has CUDA and a GPU is visible (never on the Cpu backend).</summary>
    public static bool CudaAvailable => torch.cuda.is_available();

    /// <summary>
    /// Threads used when the user gives none: one. Two threads were sometimes faster on an idle
    /// 2-vCPU machine and sometimes slower, and with other work on the machine libtorch's spinning
    /// thread pool fell 8x behind one thread; one thread never does (README, "Threads").
    /// </summary>
    public const int DefaultThreads = 1;
}
