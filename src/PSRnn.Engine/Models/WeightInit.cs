using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// Initial weights from a generator of the model's own, never libtorch's process-wide one: a seed
/// gives the same weights whatever other runspaces draw meanwhile (dropout masks, other models),
/// and on any device (values are drawn on the CPU, then moved).
/// </summary>
internal sealed class WeightInit(long seed, ScalarType dtype, Device device) : IDisposable
{
    private readonly Generator generator = new((ulong)seed, CPU);

    public ScalarType Dtype => dtype;
    public Device Device => device;

    /// <summary>N(0, std²) entries, d2l's from-scratch initialisation with std 0.01.</summary>
    public Parameter Normal(long[] shape, double std = 0.01) =>
        new(randn(shape, dtype, CPU, generator: generator).mul_(std).to(device));

    public Parameter Zeros(long size) => new(zeros(size, dtype, device));

    /// <summary>Overwrites a tensor with U(−bound, bound) entries.</summary>
    public void Uniform(Tensor target, double bound)
    {
        using var _ = no_grad();
        using var values = empty(target.shape, dtype, CPU).uniform_(-bound, bound, generator);
        target.copy_(values);
    }

    public void Dispose() => generator.Dispose();
}
