using System.Runtime.InteropServices;
using PSRnn.Build;
using PSRnn.Engine.Native;
using Xunit;

namespace PSRnn.Tests;

/// <summary>The build's hand-laid shared object: it loads, exports exactly the vendor check, and answers 1.</summary>
public sealed class MklVendorShimTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("psrnn-shim-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void BuildAndModuleAgreeOnTheFileAndSymbol()
    {
        Assert.Equal(MklVendorGate.ShimFileName, MklVendorShim.FileName);
        Assert.Equal(MklVendorGate.SymbolName, MklVendorShim.SymbolName);
    }

    [Fact]
    public void Write_LeavesOnlyTheFinishedFile()
    {
        var path = Path.Combine(folder, MklVendorShim.FileName);
        File.WriteAllText(path, "an older shim");

        MklVendorShim.Write(path);

        Assert.Equal(MklVendorShim.Image(), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder));
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int VendorCheck();

    [LinuxX64Fact]
    public void TheDynamicLoaderLoadsItAndTheFunctionAnswersOne()
    {
        var path = Path.Combine(folder, MklVendorShim.FileName);
        MklVendorShim.Write(path);

        var handle = NativeLibrary.Load(path);
        try
        {
            var answer = Marshal.GetDelegateForFunctionPointer<VendorCheck>(NativeLibrary.GetExport(handle, MklVendorShim.SymbolName));
            Assert.Equal(1, answer());
            Assert.False(NativeLibrary.TryGetExport(handle, "mkl_serv_cpu_detect", out _));
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [Fact]
    public void ItIsOnePageOfCodeAndOneOfDynamicData()
    {
        var image = MklVendorShim.Image();
        Assert.Equal("\x7f" + "ELF", System.Text.Encoding.ASCII.GetString(image, 0, 4));
        Assert.InRange(image.Length, 0x1000, 0x2000);
        // The code mov eax, 1; ret lies in the first (read-and-execute) page.
        var code = image.AsSpan(0, 0x1000).IndexOf(new byte[] { 0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3 });
        Assert.True(code > 0);
    }
}
