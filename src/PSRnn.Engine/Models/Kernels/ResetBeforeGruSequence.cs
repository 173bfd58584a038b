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
/// dW_hh from the reset states R ⊙ H kept by the forward pass. Float32 CPU buffers take the elementwise
/// work between GEMMs in <see cref="FusedPasses"/>' loops, sigmoid and tanh through oneMKL's vector math.
/// </summary>
internal sealed unsafe class ResetBeforeGruSequence : MultiTensorFunction<ResetBeforeGruSequence>
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
        (gateWeights, candidateWeight) = (gateWeights.contiguous(), candidateWeight.contiguous());
        var gates = SequenceBuffers.OwnCopy(projected);
        var states = SequenceBuffers.States(initial, steps);
        var reset = BufferPool.Shared.EmptyLike(states.narrow(0, 1, steps));
        var (zr, candidate) = (gates.narrow(2, 0, 2 * h).unbind(0), gates.narrow(2, 2 * h, h).unbind(0));
        var (stateSteps, resetSteps) = (states.unbind(0), reset.unbind(0));
        if (FusedPasses.ServeSteps(gates, states, reset))
        {
            long batch = initial.size(0), rows = batch * h;
            using var work = empty(batch, 2 * h, gates.dtype, gates.device);
            float* pGates = FusedPasses.Data(gates), pStates = FusedPasses.Data(states), pReset = FusedPasses.Data(reset), pWork = FusedPasses.Data(work);
            for (var t = 0; t < steps; t++)
            {
                zr[t].addmm_(stateSteps[t], gateWeights);
                FusedPasses.ResetBeforeGruGates(pGates + t * 3 * rows, pStates + t * rows, pReset + t * rows, pWork, batch, h);
                candidate[t].addmm_(resetSteps[t], candidateWeight);
                FusedPasses.ResetBeforeGruUpdate(pGates + t * 3 * rows, pStates + t * rows, pStates + (t + 1) * rows, batch, h);
            }
        }
        else
        {
            var (z, r) = (gates.narrow(2, 0, h).unbind(0), gates.narrow(2, h, h).unbind(0));
            for (var t = 0; t < steps; t++)
            {
                zr[t].addmm_(stateSteps[t], gateWeights).sigmoid_();
                resetSteps[t].copy_(stateSteps[t]).mul_(r[t]);
                candidate[t].addmm_(resetSteps[t], candidateWeight).tanh_();
                stateSteps[t + 1].copy_(candidate[t]).lerp_(stateSteps[t], z[t]);
            }
        }
        ctx.save_for_backward(new List<Tensor> { gates, reset, states.detach(), gateWeights.detach(), candidateWeight.detach() });
        return new List<Tensor> { states.narrow(0, 1, steps), states[steps].clone() };
    }

    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var saved = ctx.get_saved_variables();
        var (gates, reset, states, gateWeights, candidateWeight) = (saved[0], saved[1], saved[2], saved[3], saved[4]);
        long steps = gates.size(0), h = states.size(2);
        var (gateWeightsT, candidateWeightT) = (gateWeights.t().contiguous(), candidateWeight.t().contiguous());
        var preActivation = BufferPool.Shared.EmptyLike(gates);
        var dh = SequenceBuffers.StepGradients(grad_outputs[0], grad_outputs[1]);
        var initialGradient = empty_like(dh[0]);
        var dReset = empty_like(dh[0]);
        var fused = FusedPasses.Serve(gates, states, preActivation, dh, initialGradient, dReset);
        float* pGates = fused ? FusedPasses.Data(gates) : null, pPre = fused ? FusedPasses.Data(preActivation) : null, pDh = fused ? FusedPasses.Data(dh) : null;
        float* pReset = fused ? FusedPasses.Data(dReset) : null, pInitial = fused ? FusedPasses.Data(initialGradient) : null;
        long batch = gates.size(1), rows = batch * h;
        if (fused) FusedPasses.ResetBeforeGruCoefficients(pGates, FusedPasses.Data(states), pPre, steps * batch, h);
        else Coefficients(gates, states.narrow(0, 0, steps), preActivation);

        var dhSteps = dh.unbind(0);
        Tensor[] Slots(Tensor of, long offset, long width) => of.narrow(2, offset, width).unbind(0);
        var (dZr, dCandidate) = (Slots(preActivation, 0, 2 * h), Slots(preActivation, 2 * h, h));
        // Views for libtorch's calls only.
        var (zSteps, rSteps, dZ, dR) = fused ? ([], [], [], []) : (Slots(gates, 0, h), Slots(gates, h, h), Slots(preActivation, 0, h), Slots(preActivation, h, h));
        for (var t = steps - 1; t >= 0; t--)
        {
            var into = t > 0 ? dhSteps[t - 1] : initialGradient;
            if (fused) FusedPasses.ResetBeforeGruScale(pDh + t * rows, pPre + t * 3 * rows, batch, h);
            else
            {
                dCandidate[t].mul_(dhSteps[t]);
                dZ[t].mul_(dhSteps[t]);
            }
            dReset.addmm_(dCandidate[t], candidateWeightT, beta: 0);
            if (fused) FusedPasses.ResetBeforeGruBack(pDh + t * rows, pReset, pGates + t * 3 * rows, pPre + t * 3 * rows, t > 0 ? pDh + (t - 1) * rows : pInitial, t > 0, batch, h);
            else
            {
                dR[t].mul_(dReset);
                if (t > 0) into.addcmul_(dhSteps[t], zSteps[t], 1); else into.copy_(dhSteps[t]).mul_(zSteps[t]);
                into.addcmul_(dReset, rSteps[t], 1);
            }
            into.addmm_(dZr[t], gateWeightsT);
        }
        var flat = preActivation.view(-1, 3 * h);
        var gateGradient = SequenceBuffers.Previous(states).t().mm(flat.narrow(1, 0, 2 * h));
        var candidateGradient = reset.view(-1, h).t().mm(flat.narrow(1, 2 * h, h));
        return new List<Tensor> { preActivation, initialGradient, gateGradient, candidateGradient };
    }

    /// <summary>
    /// Each slot's factor of the forward values for all steps (x.addcmul_(x, y, −1) is x(1 − y)), scaled
    /// in the time loop into that pre-activation's gradient: dH_t -> candidate's (1 − H~²)(1 − Z),
    /// dH_t -> Z's (H − H~) Z(1 − Z), d(R ⊙ H) -> R's H R(1 − R).
    /// </summary>
    private static void Coefficients(Tensor gates, Tensor previous, Tensor preActivation)
    {
        var h = previous.size(2);
        var (z, r, candidate) = (gates.narrow(2, 0, h), gates.narrow(2, h, h), gates.narrow(2, 2 * h, h));
        var (toZ, toR, toCandidate) = (preActivation.narrow(2, 0, h), preActivation.narrow(2, h, h), preActivation.narrow(2, 2 * h, h));
        toCandidate.copy_(candidate).mul_(candidate).neg_().add_(1);
        toCandidate.addcmul_(toCandidate, z, -1);
        toZ.copy_(previous).sub_(candidate).mul_(z);
        toZ.addcmul_(toZ, z, -1);
        toR.copy_(previous).mul_(r);
        toR.addcmul_(toR, r, -1);
    }
}
