/** What image import and image pull accept (src/images/import/guest-class.ts), in both commands' help, so nobody learns it from a refusal. */
export const IMAGES_THAT_BOOT = `
Images that boot:
  - systemd with openssh-server and iproute2, e.g. FROM debian:bookworm with
    RUN apt-get install -y systemd-sysv openssh-server iproute2: banger adds
    its network, sshd and agent units, and the VM boots systemd.
  - an image banger built (it has /etc/banger/profile): imported as it is.
  Anything else (alpine, distroless, no init) is refused; for a ready-made
  Debian image with build tools: banger image build --profile dev.`;
