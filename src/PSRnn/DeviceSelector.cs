using PSRnn.Engine.Models;

namespace PSRnn;

public enum DeviceChoice { Auto, Cpu, Cuda }

internal static class DeviceSelector
{
    public static TorchSharp.torch.Device? Resolve(DeviceChoice choice) => choice switch
    {
        DeviceChoice.Cpu => TorchSharp.torch.CPU,
        DeviceChoice.Cuda => Devices.CudaAvailable ? TorchSharp.torch.CUDA : null,
        _ => Devices.CudaAvailable ? TorchSharp.torch.CUDA : TorchSharp.torch.CPU,
    };
}
