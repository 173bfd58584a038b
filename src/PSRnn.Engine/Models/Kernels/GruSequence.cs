using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace PSRnn.Engine.Models;

/// <summary>
/// libtorch's GRU over a whole sequence, gates stacked r, z, n:
/// r = σ(P_r + G_r), z = σ(P_z + G_z), n = tanh(P_n + r ⊙ G_n), H = n + z ⊙ (H_{t−1} − n),
/// with P the input projections of every step (X W_ihᵀ + b_ih, computed by the caller) and
/// G = b_hh + H_{t−1} R. Forward: gates and G of every step in two preallocated buffers, activations
/// in place. Backward: every pre-activation gradient is dH_t times a coefficient that depends on the
/// forward values only, so those coefficients are computed for all steps at once and the time loop
/// does three ops per step; the weight and bias gradients are one GEMM and one sum over all steps.
/// </summary>
internal sealed class GruSequence : MultiTensorFunction<GruSequence>
{
    public override string Name => nameof(GruSequence);

    public static (Tensor Outputs, Tensor Final) Run(Tensor projected, Tensor initial, Tensor weight, Tensor bias, bool outByIn)
    {
        var results = apply(projected, initial, weight, bias, outByIn);
        return (results[0], results[1]);
    }

    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var (projected, initial, weight, bias, outByIn) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], (bool)vars[4]);
        long steps = projected.size(0), h = initial.size(1);
        var right = SequenceBuffers.RightFactor(weight, outByIn);
        var gates = SequenceBuffers.OwnCopy(projected);
        var hiddenSide = empty_like(gates);
        hiddenSide.copy_(bias);
        var states = SequenceBuffers.States(initial, steps);
        for (var t = 0; t < steps; t++)
        {
            var (g, side, previous) = (gates[t], hiddenSide[t], states[t]);
            side.addmm_(previous, right);
            var rz = g.narrow(1, 0, 2 * h).add_(side.narrow(1, 0, 2 * h)).sigmoid_();
            var n = g.narrow(1, 2 * h, h).addcmul_(rz.narrow(1, 0, h), side.narrow(1, 2 * h, h), 1).tanh_();
            states[t + 1].copy_(n).lerp_(previous, rz.narrow(1, h, h));
        }
        ctx.save_for_backward(new List<Tensor> { gates, hiddenSide, states.detach(), weight.detach() });
        ctx.save_data("outByIn", outByIn);
        return new List<Tensor> { states.narrow(0, 1, steps), states[steps].clone() };
    }

    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var saved = ctx.get_saved_variables();
        var (gates, hiddenSide, states, weight) = (saved[0], saved[1], saved[2], saved[3]);
        var outByIn = (bool)ctx.get_data("outByIn");
        long steps = gates.size(0), batch = gates.size(1), h = states.size(2);
        var rightT = SequenceBuffers.RightFactor(weight, outByIn).t();
        var (r, z, n) = (gates.narrow(2, 0, h), gates.narrow(2, h, h), gates.narrow(2, 2 * h, h));
        var previous = states.narrow(0, 0, steps);

        // d(pre-activation)/dH_t for every step: n's (1 − z)(1 − n²); r's that times G_n r(1 − r); z's (H_{t−1} − n) z(1 − z).
        var coefficientN = (1 - z) * (1 - n.square());
        var coefficientR = coefficientN * hiddenSide.narrow(2, 2 * h, h) * r * (1 - r);
        var coefficientZ = (previous - n) * z * (1 - z);
        var preActivation = cat(new[] { coefficientR, coefficientZ, coefficientN }, 2);
        // dG: the same but n's scaled by r; becomes dG in place during the loop.
        var sideGradient = cat(new[] { coefficientR, coefficientZ, coefficientN * r }, 2);

        var dh = SequenceBuffers.StepGradients(grad_outputs[0], grad_outputs[1]);
        Tensor initialGradient = null!;
        for (var t = steps - 1; t >= 0; t--)
        {
            var (dhT, sideT) = (dh[t], sideGradient[t]);
            sideT.view(batch, 3, h).mul_(dhT.unsqueeze(1));
            var into = t > 0 ? dh[t - 1] : initialGradient = zeros_like(dhT);
            into.addcmul_(dhT, z[t], 1).addmm_(sideT, rightT);
        }
        preActivation.view(steps, batch, 3, h).mul_(dh.unsqueeze(2));
        var flatSide = sideGradient.view(-1, 3 * h);
        var weightGradient = SequenceBuffers.WeightGradient(SequenceBuffers.Previous(states), flatSide, outByIn);
        return new List<Tensor> { preActivation, initialGradient, weightGradient, flatSide.sum(dim: 0L), null! };
    }
}
