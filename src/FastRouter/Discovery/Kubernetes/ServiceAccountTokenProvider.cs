using System.Net.Http.Headers;
using k8s.Authentication;

namespace FastRouter.Discovery.Kubernetes;

/// <summary>
/// The pod's service-account token, read from its file on every API request. Bound tokens are rotated by the
/// kubelet (about hourly, through an atomic symlink swap), and we make a request only per list or watch (minutes
/// apart), so re-reading a small file each time is both the simplest rotation-proof rule and cheap. The library's
/// own TokenFileAuth caches for a minute, which can send a rotated-out token.
/// </summary>
internal sealed class ServiceAccountTokenProvider : ITokenProvider
{
    private readonly string _path;
    private string? _last;

    public ServiceAccountTokenProvider(string path) => _path = path;

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        try
        {
            string token = (await File.ReadAllTextAsync(_path, cancellationToken).ConfigureAwait(false)).Trim();
            if (token.Length > 0)
            {
                _last = token;
            }
        }
        catch (IOException) when (_last is not null)
        {
            // Mid-rotation the file can be briefly missing; the previous token is still valid for a while.
        }

        return new AuthenticationHeaderValue("Bearer", _last ?? string.Empty);
    }
}
