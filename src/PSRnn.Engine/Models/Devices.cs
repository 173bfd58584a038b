using TorchSharp;

namespace PSRnn.Engine.Models;

public static class Devices
{
    /// <summary>True when this build of libtorch has CUDA and a GPU is visible (never on the Cpu backend).</summary>
    public static bool CudaAvailable => torch.cuda.is_available();

    /// <summary>Threads used when the user gives none: one, because on small RNNs extra intra-op threads
    /// mostly add synchronisation (see README, "Threads").</summary>
    public const int DefaultThreads = 1;
}
