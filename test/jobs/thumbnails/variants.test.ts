import { describe, expect, it } from 'vitest';
import { ThumbnailVariantError } from '../../../src/jobs/thumbnails/ThumbnailVariantError.js';
import { resolveVariants } from '../../../src/jobs/thumbnails/variants.js';

describe('thumbnail variants', () => {
  it('resolves presets, defaults and custom name:size:quality variants', () => {
    expect(resolveVariants().map((v) => [v.name, v.size, v.quality])).toEqual([
      ['grid@1x', 256, 85],
      ['grid@2x', 512, 85],
      ['detail@1x', 1024, 90],
    ]);
    expect(
      resolveVariants([
        'icon@1x',
        'icon@2x',
        'detail@2x',
        'poster:800:75',
        { name: 'x', size: 1, quality: 100 },
      ]),
    ).toEqual([
      { name: 'icon@1x', size: 128, quality: 80 },
      { name: 'icon@2x', size: 256, quality: 80 },
      { name: 'detail@2x', size: 2048, quality: 90 },
      { name: 'poster', size: 800, quality: 75 },
      { name: 'x', size: 1, quality: 100 },
    ]);
    expect(resolveVariants(['edge:4096:1'])[0]).toEqual({ name: 'edge', size: 4096, quality: 1 });
  });

  it.each([
    ['grid@3x', /no such preset; use one of icon@1x/],
    ['big:4097:80', /size 4097 is out of range.*1–4096/],
    ['zero:0:80', /size 0 is out of range/],
    ['q:100:0', /quality 0 is out of range.*1–100/],
    ['q:100:101', /quality 101 is out of range/],
    ['half:10.5:80', /name:size:quality/],
    ['two:10', /name:size:quality/],
    ['../evil:10:10', /the name must be/],
  ])('refuses %s with a message that says what to do', (spec, message) => {
    const attempt = () => resolveVariants([spec]);
    expect(attempt).toThrow(ThumbnailVariantError);
    expect(attempt).toThrow(message);
  });

  it('refuses the same name twice and an empty list', () => {
    expect(() => resolveVariants(['grid@1x', 'grid@1x:300:80'])).toThrow(/the same name twice/);
    expect(() => resolveVariants([])).toThrow(/at least one variant/);
  });
});
