using System.Runtime.InteropServices;

namespace PSRnn.Engine.IO;

/// <summary>What a path names, as the file system says (lstat/stat's file type).</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    /// <summary>The type could not be read (see <see cref="FileStatus.Error"/>).</summary>
    Unknown,
}

/// <param name="Error">The errno of a failed look-up (0 when it succeeded or the path is simply missing).</param>
public readonly record struct FileStatus(FileKind Kind, int Error = 0)
{
    public bool Exists => Kind is not FileKind.Missing and not FileKind.Unknown;

    /// <summary>Words for the kind, as a message names it ("a named pipe (FIFO)").</summary>
    public string Describe() => Kind switch
    {
        FileKind.Regular => "a file",
        FileKind.Directory => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a named pipe (FIFO)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "something that is not a regular file",
    };
}

/// <summary>
/// Reads a path's file type without opening it. .NET has no API for it, and opening is what must be
/// avoided: open() on a FIFO blocks until a writer appears, and no Ctrl+C can interrupt it. On Linux
/// this calls statx(2), whose struct has the same layout on every architecture; elsewhere it falls
/// back to what .NET reports (Windows has no FIFOs or device nodes in its file namespace).
/// </summary>
public static unsafe class FileKinds
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, StatxType = 0x1, ModeOffset = 28, BufferSize = 256;
    private const int ENOENT = 2, ENOTDIR = 20;

    private static readonly delegate* unmanaged<int, byte*, int, uint, byte*, int> Statx = FindStatx();

    private static delegate* unmanaged<int, byte*, int, uint, byte*, int> FindStatx()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)) return null;
        return NativeLibrary.TryGetExport(libc, "statx", out var address)
            ? (delegate* unmanaged<int, byte*, int, uint, byte*, int>)address
            : null;
    }

    /// <summary>The kind of <paramref name="path"/>; with <paramref name="followLinks"/> false a link is reported as one.</summary>
    public static FileStatus Of(string path, bool followLinks = true)
    {
        if (Statx == null) return Managed(path, followLinks);
        var name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        var buffer = stackalloc byte[BufferSize];
        int result;
        fixed (byte* p = name) result = Statx(AtFdCwd, p, followLinks ? 0 : AtSymlinkNoFollow, StatxType, buffer);
        if (result != 0)
        {
            var errno = Marshal.GetLastSystemError();
            return errno is ENOENT or ENOTDIR ? new FileStatus(FileKind.Missing) : new FileStatus(FileKind.Unknown, errno);
        }
        var mode = *(ushort*)(buffer + ModeOffset);
        return new FileStatus((mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Unknown,
        });
    }

    private static FileStatus Managed(string path, bool followLinks)
    {
        var info = new FileInfo(path);
        if (!followLinks && info.LinkTarget is not null) return new FileStatus(FileKind.SymbolicLink);
        if (Directory.Exists(path)) return new FileStatus(FileKind.Directory);
        if (!File.Exists(path)) return new FileStatus(FileKind.Missing);
        return new FileStatus(info.Attributes.HasFlag(FileAttributes.Device) ? FileKind.CharacterDevice : FileKind.Regular);
    }
}
