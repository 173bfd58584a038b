using Xunit;

namespace PSRnn.Tests;

/// <summary>A test that needs ../shared/data/timemachine.txt beside the repository; reported skipped where it is absent.</summary>
public sealed class TimeMachineFactAttribute : FactAttribute
{
    public TimeMachineFactAttribute()
    {
        if (TestData.TimeMachinePath() is null) Skip = "../shared/data/timemachine.txt is absent on this machine";
    }
}

/// <summary>A test that needs ../shared/data/tinyshakespeare.txt beside the repository; reported skipped where it is absent.</summary>
public sealed class TinyShakespeareFactAttribute : FactAttribute
{
    public TinyShakespeareFactAttribute()
    {
        if (TestData.SharedDataPath("tinyshakespeare.txt") is null) Skip = "../shared/data/tinyshakespeare.txt is absent on this machine";
    }
}

/// <summary>A test that reads TorchSharp's unpatched Linux natives from the NuGet cache; skipped elsewhere.</summary>
public sealed class CachedTorchSharpFactAttribute : FactAttribute
{
    public CachedTorchSharpFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "needs Linux";
        else if (TestData.CachedLibTorchSharp() is null) Skip = "TorchSharp 0.107.0's linux-x64 natives are not in the NuGet cache";
    }
}

public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "needs Linux";
    }
}

/// <summary>A test of x86-64 ELF natives: Linux on x86-64 only.</summary>
public sealed class LinuxX64FactAttribute : FactAttribute
{
    public LinuxX64FactAttribute()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Skip = "needs Linux on x86-64";
    }
}

/// <summary>A test that runs real PyTorch (Debian's python3-torch); skipped, with the reason, where no Python has torch.</summary>
public sealed class PyTorchTheoryAttribute : TheoryAttribute
{
    public PyTorchTheoryAttribute()
    {
        if (TorchSide.Python is null) Skip = TorchSide.Absent;
    }
}
