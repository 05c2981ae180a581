// A node's images: pulls take the configured time, a pulled image stays cached on the node, and
// concurrent pulls of one image share one download (kube's serialized pulls give the same effect).
// Which images "exist": every image, except those whose reference matches --image-pull-failure-pattern
// (by default names containing invalid, doesnotexist, does-not-exist, nonexist or notfound, as in
// kube's e2e tests), and, when --known-images lists any, those whose repository is not on that list.
import { createHash } from 'node:crypto';

export class ImagePullError extends Error {}

export interface ImageStoreOptions {
  pullDurationMs: number;
  failurePattern?: RegExp;
  /** Repositories (e.g. "nginx", "docker.io/library/busybox") that exist; empty means all do. */
  knownImages?: string[];
}

export interface PulledImage {
  /** The fully qualified reference, as containerd reports it (docker.io/library/nginx:1.27). */
  ref: string;
  /** repo@sha256:..., the status' imageID. */
  imageID: string;
  sizeBytes: number;
}

/** docker.io/library/nginx:latest from nginx (the normalization docker and containerd apply). */
export function normalizeImage(image: string): string {
  let name = image;
  const firstSlash = name.indexOf('/');
  const first = firstSlash < 0 ? '' : name.slice(0, firstSlash);
  if (firstSlash < 0) name = `docker.io/library/${name}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') name = `docker.io/${name}`;
  const lastSlash = name.lastIndexOf('/');
  if (!name.includes('@') && !name.slice(lastSlash).includes(':')) name += ':latest';
  return name;
}

const repositoryOf = (ref: string) => ref.replace(/@.*$/, '').replace(/:[^/:]*$/, '');

function describe(ref: string): PulledImage {
  const digest = createHash('sha256').update(ref).digest('hex');
  // A stable, plausible size per image: 5-100 MB.
  const sizeBytes = 5_000_000 + (Number.parseInt(digest.slice(0, 8), 16) % 95_000_000);
  return { ref, imageID: `${repositoryOf(ref)}@sha256:${digest}`, sizeBytes };
}

export const DEFAULT_PULL_FAILURE_PATTERN = 'invalid|doesnotexist|does-not-exist|nonexist|notfound|not-found';

export class ImageStore {
  private readonly present = new Map<string, PulledImage>();
  private readonly inflight = new Map<string, Promise<PulledImage>>();
  private readonly known: Set<string>;

  constructor(private readonly options: ImageStoreOptions) {
    this.known = new Set((options.knownImages ?? []).map((i) => repositoryOf(normalizeImage(i))));
  }

  has(image: string): boolean {
    return this.present.has(normalizeImage(image));
  }

  get(image: string): PulledImage | undefined {
    return this.present.get(normalizeImage(image));
  }

  /** Every image on the node (for the Node's status.images), biggest first as the kubelet lists them. */
  list(): { names: string[]; sizeBytes: number }[] {
    return [...this.present.values()].sort((a, b) => b.sizeBytes - a.sizeBytes).map((i) => ({ names: [i.imageID, i.ref], sizeBytes: i.sizeBytes }));
  }

  /** Pulls (or joins the pull of) an image; rejects with ImagePullError for an image that does not exist. */
  pull(image: string): Promise<PulledImage> {
    const ref = normalizeImage(image);
    let pulling = this.inflight.get(ref);
    if (!pulling) {
      pulling = new Promise<PulledImage>((resolve, reject) => {
        setTimeout(() => {
          this.inflight.delete(ref);
          const missing = this.options.failurePattern?.test(ref) || (this.known.size > 0 && !this.known.has(repositoryOf(ref)));
          if (missing) {
            reject(new ImagePullError(`rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`));
            return;
          }
          const pulled = describe(ref);
          this.present.set(ref, pulled);
          resolve(pulled);
        }, this.options.pullDurationMs).unref();
      });
      this.inflight.set(ref, pulling);
    }
    return pulling;
  }
}
