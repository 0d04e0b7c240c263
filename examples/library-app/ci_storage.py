"""A team's own construct, composed from platform-storage's: Terraform state for the team's
GitHub Actions pipelines and the build artifacts one of them publishes.

- One `StateBucket`; each repository's pipeline has its own OIDC role (GitHub's issuer, the exact
  `sub` of its main branch) confined to its own prefix, `<repository>/`.
- One `PrivateBucket` of build artifacts: the `network` pipeline reads them, no one else.

It imports no CDK core: it builds the same under CDK for Terraform and CDK Terrain.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from platform_storage.constructs import (
    AwsAccount,
    OidcFederatedRole,
    PrivateBucket,
    StateBucket,
)

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True)
class Pipeline:
    """A repository whose main-branch workflow runs Terraform; its state lives under
    `<repository>/` and its role is `<role_prefix>-<repository>`."""

    repository: str
    reads_artifacts: bool = False

    def subject(self, organisation: str) -> str:
        """The `sub` claim of the repository's main-branch workflow runs."""
        return f"repo:{organisation}/{self.repository}:ref:refs/heads/main"


class CiStorage(Construct):
    """State and artifacts for `pipelines` of GitHub `organisation`."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        account: AwsAccount,
        organisation: str,
        pipelines: tuple[Pipeline, ...],
        state_bucket_name: str,
        artifacts_bucket_name: str,
        role_prefix: str = "ci",
    ) -> None:
        super().__init__(scope, id)
        self.state = StateBucket(self, "state", bucket_name=state_bucket_name)
        self.artifacts = PrivateBucket(self, "artifacts", bucket_name=artifacts_bucket_name)
        self.roles: dict[str, OidcFederatedRole] = {}
        for pipeline in pipelines:
            role = OidcFederatedRole(
                self,
                pipeline.repository,
                account=account,
                role_name=f"{role_prefix}-{pipeline.repository}",
                issuer=GITHUB_ISSUER,
                subjects=[pipeline.subject(organisation)],
                # One provider per issuer and account: the stack creates it once for all roles.
                create_oidc_provider=True,
                description=f"GitHub Actions of {organisation}/{pipeline.repository}",
            )
            self.state.grant_state_access(role, pipeline.repository, lockfile=True)
            if pipeline.reads_artifacts:
                self.artifacts.grant_read(role)
            self.roles[pipeline.repository] = role
