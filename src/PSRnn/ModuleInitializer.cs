using System.Management.Automation;
using PSRnn.Engine.Native;

namespace PSRnn;

/// <summary>
/// Loads libtorch from the module's own folder when the module is imported, before any TorchSharp
/// call, so that Import-Module fails at once with the real cause if the natives cannot load.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    public void OnImport()
    {
        var folder = System.IO.Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
        NativeLibraryLoader.Load(folder);
    }
}
