using PSRnn.Engine.Models;
using static TorchSharp.torch;

namespace PSRnn.Engine.Training;

/// <summary>
/// A copy of a network's parameters and of its optimizer's state (e.g. Adam's moments), taken when
/// they are known good (the start of an epoch) and put back after divergence or cancellation.
/// </summary>
internal sealed class WeightSnapshot(RecurrentNetwork network, OptimizerSlot? optimizer = null) : IDisposable
{
    private Tensor[] copies = Array.Empty<Tensor>();
    private byte[]? optimizerState;

    public void Take()
    {
        using (no_grad())
        {
            var parameters = network.parameters().ToArray();
            if (copies.Length == 0) copies = parameters.Select(p => p.clone()).ToArray(); // no_grad: no history to detach
            else for (var i = 0; i < copies.Length; i++) copies[i].copy_(parameters[i]);
        }
        optimizerState = null;
        if (optimizer?.Current is { } current)
        {
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) current.save_state_dict(writer);
            optimizerState = buffer.ToArray();
        }
    }

    public void Restore()
    {
        using (no_grad())
        {
            foreach (var (parameter, copy) in network.parameters().Zip(copies)) parameter.copy_(copy);
        }
        if (optimizerState is not null && optimizer?.Current is { } current)
        {
            using var reader = new BinaryReader(new MemoryStream(optimizerState));
            current.load_state_dict(reader);
        }
    }

    public void Dispose()
    {
        foreach (var copy in copies) copy.Dispose();
    }
}
