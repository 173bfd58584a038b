using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// d2l's RNN from scratch: H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h), O_t = H_t W_hq + b_q, with
/// weights drawn from N(0, 0.01^2) and zero biases.
/// </summary>
public sealed class ScratchRnn : RecurrentNetwork
{
    private readonly Parameter wXh, wHh, bH, wHq, bQ;

    public ScratchRnn(ModelSpec spec, ScalarType dtype, Device device) : base(nameof(ScratchRnn), spec)
    {
        if (spec.NumLayers != 1) throw new ArgumentException("The scratch RNN has one layer.", nameof(spec));
        long v = spec.VocabularySize, h = spec.HiddenSize;
        Parameter Normal(params long[] shape) => new(randn(shape, dtype, device) * 0.01);
        Parameter Zero(long n) => new(zeros(n, dtype, device));
        register_parameter("W_xh", wXh = Normal(v, h));
        register_parameter("W_hh", wHh = Normal(h, h));
        register_parameter("b_h", bH = Zero(h));
        register_parameter("W_hq", wHq = Normal(h, v));
        register_parameter("b_q", bQ = Zero(v));
    }

    public override (Tensor Outputs, Tensor State) Encode(Tensor inputs, Tensor state)
    {
        var steps = inputs.size(1);
        var batch = inputs.size(0);
        // one_hot(x) @ W_xh is row x of W_xh: look rows up for every step at once instead of a matmul.
        var timeMajor = inputs.t().reshape(-1);
        var projected = wXh.index_select(0, timeMajor).view(steps, batch, -1) + bH;
        var hidden = state[0];
        var outputs = new Tensor[steps];
        for (var t = 0; t < steps; t++)
        {
            hidden = tanh(projected[t].addmm(hidden, wHh));
            outputs[t] = hidden;
        }
        return (stack(outputs), hidden.unsqueeze(0));
    }

    public override Tensor Decode(Tensor outputs) =>
        outputs.reshape(-1, Spec.HiddenSize).mm(wHq) + bQ;
}
