using TorchSharp;

namespace PSRnn.Engine.Models;

/// <summary>Where a model's tensors live. Auto is a request only: it resolves to Cpu or Cuda.</summary>
public enum ComputeDevice
{
    /// <summary>The CUDA GPU when libtorch sees one, else the CPU.</summary>
    Auto,
    Cpu,
    Cuda,
}

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

    /// <summary>The device a request stands for here: Auto picks CUDA when there is one.</summary>
    /// <exception cref="DeviceUnavailableException">Cuda was asked for and there is none.</exception>
    public static ComputeDevice Resolve(ComputeDevice requested) => requested switch
    {
        ComputeDevice.Cpu => ComputeDevice.Cpu,
        ComputeDevice.Cuda when CudaAvailable => ComputeDevice.Cuda,
        ComputeDevice.Cuda => throw new DeviceUnavailableException(),
        _ => CudaAvailable ? ComputeDevice.Cuda : ComputeDevice.Cpu,
    };

    internal static torch.Device ToTorch(this ComputeDevice device) =>
        Resolve(device) == ComputeDevice.Cuda ? torch.CUDA : torch.CPU;
}

public sealed class DeviceUnavailableException()
    : InvalidOperationException("CUDA is not available here: this build of PSRnn or this machine has no CUDA GPU. " +
                                "Use -Device Cpu, or -Device Auto to take a GPU only when there is one.");
