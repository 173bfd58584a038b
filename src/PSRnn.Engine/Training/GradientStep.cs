using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSRnn.Engine.Training;

/// <summary>
/// One update from the gradients a backward pass left: global-norm clipping (as libtorch's
/// clip_grad_norm_: coefficient min(1, max / (‖g‖ + 1e-6)) over all gradients together) and the
/// optimizer's step. For plain SGD (no weight decay, no momentum), the coefficient folds into the
/// step's rate, so the update reads each gradient once instead of scaling it in place first: on a
/// word-level model that is two passes over every vocabulary x 200 matrix saved per batch.
/// </summary>
internal static class GradientStep
{
    /// <summary>
    /// Forgets the last batch's gradients (PyTorch's zero_grad(set_to_none=True)): backward then
    /// hands each parameter its fresh gradient instead of adding it into a zero-filled one.
    /// </summary>
    public static void ForgetGradients(IEnumerable<Parameter> parameters)
    {
        foreach (var parameter in parameters) parameter.grad = null;
    }

    /// <summary>Clips the gradients to a global norm of <paramref name="maxNorm"/> and steps; returns the norm before clipping.</summary>
    public static double Apply(IReadOnlyList<Parameter> parameters, optim.Optimizer optimizer, double maxNorm)
    {
        var gradients = parameters.Select(parameter => (Parameter: parameter, Gradient: parameter.grad)).Where(pair => pair.Gradient is not null).ToArray();
        if (gradients.Length == 0) return 0;
        var norm = GlobalNorm(gradients.Select(pair => pair.Gradient!));
        var coefficient = Math.Min(1.0, maxNorm / (norm + 1e-6));
        // Scalars held by a using: an implicitly converted one is unreachable while the native call reads
        // it, and a garbage collection then can finalize it mid-call (TorchSharp's own optimizers do that).
        using (no_grad())
        {
            if (PlainSgdRate(optimizer) is { } rate)
            {
                using var alpha = (-rate * coefficient).ToScalar();
                foreach (var (parameter, gradient) in gradients) parameter.add_(gradient!, alpha);
                return norm;
            }
            using var scale = coefficient.ToScalar();
            foreach (var (_, gradient) in gradients) gradient!.mul_(scale);
        }
        optimizer.step();
        return norm;
    }

    /// <summary>‖g‖₂ over all gradients as one vector, with one host synchronisation.</summary>
    internal static double GlobalNorm(IEnumerable<Tensor> gradients)
    {
        var squares = gradients.Select(gradient => { var flat = gradient.reshape(-1); return flat.dot(flat); }).ToArray();
        return stack(squares).sum().sqrt().ToDouble();
    }

    /// <summary>The learning rate when the optimizer is SGD without momentum or weight decay (one group), else null.</summary>
    internal static double? PlainSgdRate(optim.Optimizer optimizer) =>
        optimizer is SGD sgd && sgd.ParamGroups.ToArray() is [SGD.ParamGroup group]
        && group.Options is { momentum: 0 or null, weight_decay: 0 or null, maximize: false or null }
            ? group.LearningRate
            : null;
}
