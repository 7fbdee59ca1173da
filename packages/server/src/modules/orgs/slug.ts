/** Turns an org name into a slug of the grammar SlugSchema accepts ("My Lab!" → "my-lab"). */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/g, '');
  return slug.length >= 2 ? slug : `org-${slug || 'x'}`;
}
