using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PSRnn.Tests;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 for download tests. Built on TcpListener rather than
/// HttpListener so it binds port 0 without a race and needs no http.sys URL reservation on Windows.
/// </summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<Stream, CancellationToken, Task> _respond;
    private int _requests;

    /// <param name="respond">Writes the raw response once the request headers are read; the connection closes when it returns.</param>
    public LoopbackHttpServer(Func<Stream, CancellationToken, Task> respond)
    {
        _respond = respond;
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/tiny.txt");
        _ = AcceptLoopAsync();
    }

    public Uri Url { get; }

    /// <summary>Requests whose headers were received so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static LoopbackHttpServer Serving(byte[] body) =>
        new((stream, ct) => WriteResponseAsync(stream, 200, "OK", body, body.Length, ct));

    public static LoopbackHttpServer Status(int status, string reason) =>
        new((stream, ct) => WriteResponseAsync(stream, status, reason, Encoding.UTF8.GetBytes(reason), null, ct));

    /// <summary>Accepts and reads requests but never answers (until disposed).</summary>
    public static LoopbackHttpServer Silent() => new((_, ct) => Task.Delay(Timeout.Infinite, ct));

    /// <summary>A port that nothing listens on (freed right after the OS picked it).</summary>
    public static int UnusedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <param name="contentLength">Advertised length; null uses the body length. Larger than the body simulates truncation.</param>
    public static async Task WriteResponseAsync(Stream stream, int status, string reason, byte[] body, long? contentLength, CancellationToken ct)
    {
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {contentLength ?? body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        await stream.WriteAsync(body, ct);
        await stream.FlushAsync(ct);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return; // Stopped.
            }

            _ = HandleAsync(client, ct);
        }
    }

    private async Task HandleAsync(TcpClient client, CancellationToken ct)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                if (await ReadHeadersAsync(stream, ct))
                {
                    Interlocked.Increment(ref _requests);
                    await _respond(stream, ct);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // The client gave up or the server is stopping; either way the test sees the outcome client-side.
            }
        }
    }

    // Request bodies are never sent by the code under test (GET only), so the blank line ends the request.
    private static async Task<bool> ReadHeadersAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[4096];
        var seen = new List<byte>();
        while (seen.Count < MaxHeaderBytes)
        {
            var read = await stream.ReadAsync(buffer, ct);
            if (read == 0)
            {
                return false;
            }

            seen.AddRange(buffer.AsSpan(0, read));
            var n = seen.Count;
            if (n >= 4 && seen[n - 4] == '\r' && seen[n - 3] == '\n' && seen[n - 2] == '\r' && seen[n - 1] == '\n')
            {
                return true;
            }
        }

        return false;
    }
}
