using PSRnn.Engine.Models;
using static TorchSharp.torch;

namespace PSRnn.Engine.Training;

/// <summary>A copy of a network's parameters, taken when they are known good and put back after divergence.</summary>
internal sealed class WeightSnapshot(RecurrentNetwork network) : IDisposable
{
    private Tensor[] copies = Array.Empty<Tensor>();

    public void Take()
    {
        using var noGrad = no_grad();
        var parameters = network.parameters().ToArray();
        if (copies.Length == 0) copies = parameters.Select(p => p.detach().clone()).ToArray();
        else for (var i = 0; i < copies.Length; i++) copies[i].copy_(parameters[i]);
    }

    public void Restore()
    {
        using var noGrad = no_grad();
        foreach (var (parameter, copy) in network.parameters().Zip(copies)) parameter.copy_(copy);
    }

    public void Dispose()
    {
        foreach (var copy in copies) copy.Dispose();
    }
}
