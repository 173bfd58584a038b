using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace PSRnn.Engine.Models;

/// <summary>
/// libtorch's GRU over a whole sequence, gates stacked r, z, n:
/// r = σ(P_r + G_r), z = σ(P_z + G_z), n = tanh(P_n + r ⊙ G_n), H = n + z ⊙ (H_{t−1} − n),
/// with P the input projections of every step (X W_ihᵀ + b_ih, computed by the caller) and
/// G = b_hh + H_{t−1} R. Forward: the gates of every step in one preallocated buffer, activations
/// in place. Backward: every pre-activation gradient is dH_t times a coefficient that depends on the
/// forward values only, so those coefficients are computed for all steps at once and the time loop
/// does three ops per step; the weight and bias gradients are one GEMM and one sum over all steps.
/// Few large temporaries: fresh large buffers cost page faults that rival the GEMMs at these sizes.
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
        var states = SequenceBuffers.States(initial, steps);
        // G of the step being computed, and G_n of every step (the backward pass needs it).
        var side = empty_like(gates[0]);
        var (sideRz, sideN) = (side.narrow(1, 0, 2 * h), side.narrow(1, 2 * h, h));
        var newGate = BufferPool.Shared.EmptyLike(states.narrow(0, 1, steps));
        var (rz, r, z, n) = (gates.narrow(2, 0, 2 * h).unbind(0), gates.narrow(2, 0, h).unbind(0), gates.narrow(2, h, h).unbind(0), gates.narrow(2, 2 * h, h).unbind(0));
        var (stateSteps, newGateSteps) = (states.unbind(0), newGate.unbind(0));
        for (var t = 0; t < steps; t++)
        {
            side.copy_(bias).addmm_(stateSteps[t], right);
            rz[t].add_(sideRz).sigmoid_();
            newGateSteps[t].copy_(sideN);
            n[t].addcmul_(r[t], sideN, 1).tanh_();
            stateSteps[t + 1].copy_(n[t]).lerp_(stateSteps[t], z[t]);
        }
        ctx.save_for_backward(new List<Tensor> { gates, newGate, states.detach(), weight.detach() });
        ctx.save_data("outByIn", outByIn);
        return new List<Tensor> { states.narrow(0, 1, steps), states[steps].clone() };
    }

    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var saved = ctx.get_saved_variables();
        var (gates, newGate, states, weight) = (saved[0], saved[1], saved[2], saved[3]);
        var outByIn = (bool)ctx.get_data("outByIn");
        long steps = gates.size(0), batch = gates.size(1), h = states.size(2);
        var rightT = SequenceBuffers.RightFactor(weight, outByIn, transposed: true);
        var (r, z, n) = (gates.narrow(2, 0, h), gates.narrow(2, h, h), gates.narrow(2, 2 * h, h));
        var previous = states.narrow(0, 0, steps);

        // d(pre-activation)/dH_t for every step, built in place (x.addcmul_(x, y, −1) is x(1 − y)):
        // n's (1 − n²)(1 − z); r's r(1 − r) G_n times n's; z's (H_{t−1} − n) z(1 − z).
        var preActivation = BufferPool.Shared.EmptyLike(gates);
        var (toR, toZ, toN) = (preActivation.narrow(2, 0, h), preActivation.narrow(2, h, h), preActivation.narrow(2, 2 * h, h));
        toN.copy_(n).mul_(n).neg_().add_(1);
        toN.addcmul_(toN, z, -1);
        toR.copy_(r).addcmul_(toR, r, -1).mul_(newGate).mul_(toN);
        toZ.copy_(previous).sub_(n).mul_(z);
        toZ.addcmul_(toZ, z, -1);
        // dG: the same but n's scaled by r; becomes dG in place during the loop.
        var sideGradient = BufferPool.Shared.Copy(preActivation);
        sideGradient.narrow(2, 2 * h, h).mul_(r);

        var dh = SequenceBuffers.StepGradients(grad_outputs[0], grad_outputs[1]);
        var (dhSteps, sideSteps, zSteps) = (dh.unbind(0), sideGradient.unbind(0), z.unbind(0));
        var initialGradient = empty_like(dhSteps[0]);
        for (var t = steps - 1; t >= 0; t--)
        {
            sideSteps[t].view(batch, 3, h).mul_(dhSteps[t].unsqueeze(1));
            var into = t > 0 ? dhSteps[t - 1].addcmul_(dhSteps[t], zSteps[t], 1) : initialGradient.copy_(dhSteps[t]).mul_(zSteps[t]);
            into.addmm_(sideSteps[t], rightT);
        }
        preActivation.view(steps, batch, 3, h).mul_(dh.unsqueeze(2));
        var flatSide = sideGradient.view(-1, 3 * h);
        var weightGradient = SequenceBuffers.WeightGradient(SequenceBuffers.Previous(states), flatSide, outByIn);
        return new List<Tensor> { preActivation, initialGradient, weightGradient, SequenceBuffers.ColumnSums(flatSide), null! };
    }
}
