using System.Security.Cryptography.X509Certificates;

namespace FastRouter.Tests.Discovery;

internal sealed record FakeKubernetesApiOptions
{
    /// <summary>Serve https with this certificate; null serves http.</summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>With https: require a client certificate issued by this CA.</summary>
    public X509Certificate2? ClientCertificateAuthority { get; init; }

    /// <summary>Answer 401 unless <c>Authorization: Bearer</c> carries this token.</summary>
    public string? RequiredToken { get; init; }
}
