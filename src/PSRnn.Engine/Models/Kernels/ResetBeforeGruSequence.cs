using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace PSRnn.Engine.Models;

/// <summary>
/// d2l's GRU over a whole sequence, gates stacked z, r, candidate: Z = σ(P_z + H W_hz),
/// R = σ(P_r + H W_hr), H~ = tanh(P_h + (R ⊙ H) W_hh), H = H~ + Z ⊙ (H − H~), with P the input
/// projections of every step and W_zr = [W_hz W_hr] (d2l's (in, out) layout: right factors as they
/// stand). Forward with preallocated buffers and in-place activations; backward through time per
/// step, then each weight gradient as one GEMM over all steps: dW_zr from the previous states,
/// dW_hh from the reset states R ⊙ H kept by the forward pass.
/// </summary>
internal sealed class ResetBeforeGruSequence : MultiTensorFunction<ResetBeforeGruSequence>
{
    public override string Name => nameof(ResetBeforeGruSequence);

    public static (Tensor Outputs, Tensor Final) Run(Tensor projected, Tensor initial, Tensor gateWeights, Tensor candidateWeight)
    {
        var results = apply(projected, initial, gateWeights, candidateWeight);
        return (results[0], results[1]);
    }

    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var (projected, initial, gateWeights, candidateWeight) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3]);
        long steps = projected.size(0), h = initial.size(1);
        var gates = SequenceBuffers.OwnCopy(projected);
        var states = SequenceBuffers.States(initial, steps);
        var reset = empty_like(states.narrow(0, 1, steps));
        for (var t = 0; t < steps; t++)
        {
            var (g, previous, resetT) = (gates[t], states[t], reset[t]);
            var zr = g.narrow(1, 0, 2 * h).addmm_(previous, gateWeights).sigmoid_();
            resetT.copy_(previous).mul_(zr.narrow(1, h, h));
            var candidate = g.narrow(1, 2 * h, h).addmm_(resetT, candidateWeight).tanh_();
            states[t + 1].copy_(candidate).lerp_(previous, zr.narrow(1, 0, h));
        }
        ctx.save_for_backward(new List<Tensor> { gates, reset, states.detach(), gateWeights.detach(), candidateWeight.detach() });
        return new List<Tensor> { states.narrow(0, 1, steps), states[steps].clone() };
    }

    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var saved = ctx.get_saved_variables();
        var (gates, reset, states, gateWeights, candidateWeight) = (saved[0], saved[1], saved[2], saved[3], saved[4]);
        long steps = gates.size(0), h = states.size(2);
        var (gateWeightsT, candidateWeightT) = (gateWeights.t(), candidateWeight.t());
        var (z, r, candidate) = (gates.narrow(2, 0, h), gates.narrow(2, h, h), gates.narrow(2, 2 * h, h));
        var previous = states.narrow(0, 0, steps);

        // Factors that depend on the forward values only, for all steps at once:
        // dH_t -> candidate's pre-activation, dH_t -> Z's, d(R ⊙ H) -> R's.
        var toCandidate = (1 - z) * (1 - candidate.square());
        var toUpdate = (previous - candidate) * z * (1 - z);
        var toReset = previous * r * (1 - r);

        var dh = SequenceBuffers.StepGradients(grad_outputs[0], grad_outputs[1]);
        var preActivation = empty_like(gates);
        Tensor initialGradient = null!;
        for (var t = steps - 1; t >= 0; t--)
        {
            var (dhT, dT) = (dh[t], preActivation[t]);
            var dCandidate = dT.narrow(1, 2 * h, h).copy_(dhT).mul_(toCandidate[t]);
            var dReset = dCandidate.mm(candidateWeightT);
            dT.narrow(1, h, h).copy_(dReset).mul_(toReset[t]);
            dT.narrow(1, 0, h).copy_(dhT).mul_(toUpdate[t]);
            var into = t > 0 ? dh[t - 1] : initialGradient = zeros_like(dhT);
            into.addcmul_(dhT, z[t], 1).addcmul_(dReset, r[t], 1).addmm_(dT.narrow(1, 0, 2 * h), gateWeightsT);
        }
        var flat = preActivation.view(-1, 3 * h);
        var gateGradient = SequenceBuffers.Previous(states).t().mm(flat.narrow(1, 0, 2 * h));
        var candidateGradient = reset.view(-1, h).t().mm(flat.narrow(1, 2 * h, h));
        return new List<Tensor> { preActivation, initialGradient, gateGradient, candidateGradient };
    }
}
