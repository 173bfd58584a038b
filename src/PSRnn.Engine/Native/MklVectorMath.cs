namespace PSRnn.Engine.Native;

/// <summary>
/// exp and tanh over float32 arrays from the oneMKL that libtorch_cpu links and exports (its vector
/// math, VM): the kernels' per-step gate activations without a libtorch call each, at the speed and
/// accuracy of libtorch's own tanh (which runs the same MKL routine). High-accuracy mode (below one
/// ulp), errors ignored rather than raised: e^x overflowing to infinity is a valid step of σ.
/// Absent where libtorch_cpu lacks the exports (then the kernels make libtorch's calls).
/// </summary>
internal static unsafe class MklVectorMath
{
    // VML_HA | VML_ERRMODE_IGNORE (mkl_vml_defines.h); denormal handling left as the thread has it.
    // Not VML_ERRMODE_NOERR: with it this build's exp(+inf) is NaN (FusedPassesTests has every special value).
    private const long Mode = 0x2 | 0x100;

    // void vms<Function>(MKL_INT n, const float* a, float* r, MKL_INT64 mode), MKL_INT 32 bits (LP64).
    private static readonly delegate* unmanaged<int, float*, float*, long, void> exp =
        (delegate* unmanaged<int, float*, float*, long, void>)NativeLibraryLoader.LibTorchCpuExport("vmsExp");
    private static readonly delegate* unmanaged<int, float*, float*, long, void> tanh =
        (delegate* unmanaged<int, float*, float*, long, void>)NativeLibraryLoader.LibTorchCpuExport("vmsTanh");

    public static bool IsAvailable => exp != null && tanh != null;

    /// <summary>r[k] = e^a[k] for k &lt; n (r may be a).</summary>
    public static void Exp(float* a, float* r, long n) => exp(checked((int)n), a, r, Mode);

    /// <summary>r[k] = tanh a[k] for k &lt; n (r may be a).</summary>
    public static void Tanh(float* a, float* r, long n) => tanh(checked((int)n), a, r, Mode);
}
