/** Dataset and run names are user data; keep them readable but safe as one path segment on every OS. */
export function safeFolderName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_').replace(/^\.+/, '_').slice(0, 80) || 'dataset';
}
