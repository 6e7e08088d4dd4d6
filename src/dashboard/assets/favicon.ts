// The dashboard's icon: three stacked bars, as a queue.

/** An SVG favicon (served from `<base>/assets/favicon.svg`; CSP forbids data: URLs). */
export const faviconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#1e293b"/>
<rect x="7" y="8" width="18" height="4" rx="2" fill="#38bdf8"/>
<rect x="7" y="14" width="13" height="4" rx="2" fill="#a78bfa"/>
<rect x="7" y="20" width="8" height="4" rx="2" fill="#4ade80"/>
</svg>
`;
